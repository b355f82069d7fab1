import Foundation
import NIOCore
import Testing

@testable import SSMServer

@Suite("Requests on quiet and busy connections")
struct QuietRequestChannelTests {
    @Test("a connection is busy from an answer until the gap has passed, and quiet before its first answer")
    func pace() {
        let pace = ConnectionPace()
        let gap = TimeAmount.milliseconds(100)
        let answered = NIODeadline.uptimeNanoseconds(5_000_000_000)
        #expect(!pace.isBusy(now: answered, gap: gap))
        pace.answered(at: answered)
        #expect(pace.isBusy(now: answered, gap: gap))
        #expect(pace.isBusy(now: answered + .milliseconds(99), gap: gap))
        #expect(!pace.isBusy(now: answered + .milliseconds(100), gap: gap))
        #expect(!pace.isBusy(now: answered + .seconds(60), gap: gap))
    }

    @Test("requests with bodies are answered whether the connection is quiet (a child task) or busy")
    func bodiesOnQuietAndBusyConnections() async throws {
        try await SlowClientTests.withServer(SecurityConfiguration()) { port in
            let (channel, received) = try await SlowClientTests.connect(port)
            let body = #"{"key_label":"quiet-test-no-such-key","plain":"00","encryption_algorithm":1}"#
            let request = "POST /encrypt-pool HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                + "Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
            func answers() -> Int { received.text.components(separatedBy: "HTTP/1.1 404").count - 1 }
            // The connection's first request (always in a child task), then two more sent
            // together right after its answer, then one after a pause.
            try await channel.writeAndFlush(ByteBuffer(string: request)).get()
            #expect(try await SlowClientTests.eventually(within: .seconds(10)) { answers() == 1 })
            try await channel.writeAndFlush(ByteBuffer(string: request + request)).get()
            #expect(try await SlowClientTests.eventually(within: .seconds(10)) { answers() == 3 })
            try await Task.sleep(for: .milliseconds(300))
            try await channel.writeAndFlush(ByteBuffer(string: request)).get()
            #expect(try await SlowClientTests.eventually(within: .seconds(10)) { answers() == 4 })
            // Each answer names the label, so each body was read.
            #expect(received.text.components(separatedBy: "quiet-test-no-such-key").count - 1 == 4, "\(received.text)")
            #expect(channel.isActive)
            try? await channel.close()
        }
    }
}
