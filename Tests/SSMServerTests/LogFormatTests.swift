import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import SSMCore
import SoftHSMTestSupport
import Synchronization
import Testing

@testable import SSMServer

/// The lines a ``JSONLogHandler`` wrote.
final class CollectedLines: Sendable {
    private let lines = Mutex<[String]>([])

    var output: LogOutput {
        LogOutput { line in self.lines.withLock { $0.append(String(decoding: line, as: UTF8.self)) } }
    }

    var all: [String] { lines.withLock { $0 } }

    /// Every line as a JSON object (failing the test for one that is not).
    func objects() throws -> [[String: Any]] {
        try all.map { line in
            #expect(line.hasSuffix("\n") && line.dropLast().firstIndex(of: "\n") == nil, "not one line: \(line)")
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
            return try #require(object as? [String: Any], "not an object: \(line)")
        }
    }
}

@Suite("log.format json: one JSON object per line, never a secret")
struct LogFormatTests {
    @Test("time, level, label, message, metadata; strings escaped; nested metadata kept")
    func shape() throws {
        let collected = CollectedLines()
        var logger = Logger(label: "ssm.test") { label in
            JSONLogHandler(label: label, level: .debug, output: collected.output, metadataProvider: nil)
        }
        logger[metadataKey: "request_id"] = "r-1"
        logger.trace("not written")
        logger.info(
            "quote \" backslash \\ newline \n tab \t bell \u{07} é 🔑",
            metadata: ["list": ["a", .stringConvertible(2)], "nested": ["k": "v"], "request_id": "r-2"])
        logger.error("failed", error: CancellationError())
        let objects = try collected.objects()
        try #require(objects.count == 2)
        let first = objects[0]
        #expect(first["level"] as? String == "info")
        #expect(first["label"] as? String == "ssm.test")
        #expect(first["message"] as? String == "quote \" backslash \\ newline \n tab \t bell \u{07} é 🔑")
        let time = try #require(first["time"] as? String)
        #expect(time.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/) != nil, "time \(time)")
        let metadata = try #require(first["metadata"] as? [String: Any])
        #expect(metadata["request_id"] as? String == "r-2")
        #expect(metadata["list"] as? [String] == ["a", "2"])
        #expect((metadata["nested"] as? [String: String]) == ["k": "v"])
        #expect(objects[1]["error"] as? String != nil)
        #expect((objects[1]["metadata"] as? [String: Any])?["request_id"] as? String == "r-1")
    }

    @Test("timestamps are RFC 3339 UTC with milliseconds")
    func timestamps() {
        #expect(UTCTimestamp.format(seconds: 0, milliseconds: 5) == "1970-01-01T00:00:00.005Z")
        #expect(UTCTimestamp.format(seconds: 1_795_464_252, milliseconds: 999) == "2026-11-23T20:04:12.999Z")
        // Leap days (2000 is a leap year, 2100 is not) and the last second of a day.
        #expect(UTCTimestamp.format(seconds: 1_709_251_199, milliseconds: 0) == "2024-02-29T23:59:59.000Z")
        #expect(UTCTimestamp.format(seconds: 951_782_400, milliseconds: 10) == "2000-02-29T00:00:00.010Z")
        #expect(UTCTimestamp.format(seconds: 4_102_444_800, milliseconds: 0) == "2100-01-01T00:00:00.000Z")
    }

    @Test("log.format: text by default, json from the file or SSM_LOG_FORMAT, anything else named")
    func configuration() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ssm-\(UUID().uuidString).yaml").path
        try "pkcs11:\n  tokenLabel: ssm\n  pin: \"1234\"\nlog:\n  format: JSON\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try await AppConfiguration.load(path: path, environment: [:]).logFormat == .json)
        let environment = ["SSM_PKCS11_TOKEN_LABEL": "ssm", "SSM_PKCS11_PIN": "1234"]
        #expect(try await AppConfiguration.load(path: nil, environment: environment).logFormat == .text)
        var json = environment
        json["SSM_LOG_FORMAT"] = "json"
        #expect(try await AppConfiguration.load(path: nil, environment: json).logFormat == .json)
        json["SSM_LOG_FORMAT"] = "xml"
        await #expect(throws: ConfigurationError(key: "log.format", "must be one of text, json, got 'xml'")) {
            try await AppConfiguration.load(path: nil, environment: json)
        }
    }

    /// Whether `word` occurs in `text` with no letter or digit right before or after it.
    static func containsWord(_ word: String, in text: String) -> Bool {
        let characters = Array(text)
        let target = Array(word)
        guard characters.count >= target.count else { return false }
        for start in 0...(characters.count - target.count) where Array(characters[start..<start + target.count]) == target {
            let before = start > 0 ? characters[start - 1] : " "
            let after = start + target.count < characters.count ? characters[start + target.count] : " "
            if !before.isLetter && !before.isNumber && !after.isLetter && !after.isNumber { return true }
        }
        return false
    }

    @Test("serving at trace level: every line is JSON, none has the PIN, a key value or a plaintext")
    func servingLogsNoSecret() async throws {
        let collected = CollectedLines()
        let logger = Logger(label: "ssm") { label in
            JSONLogHandler(label: label, level: .trace, output: collected.output, metadataProvider: nil)
        }
        let token = try SoftHSMToken.shared()
        let hsm = try await HSM.connect(
            HSMConfiguration(
                modulePath: token.modulePath, token: .label(token.label), pin: token.pinBytes,
                pool: PoolConfiguration(maxSize: 2, minSize: 1)),
            logger: logger)
        let metrics = ServerMetrics()
        let keys = KeyService(hsm: hsm, logger: logger, metrics: metrics.keyService)
        let app = Application(router: buildRouter(hsm: hsm, keys: keys, bodyLimit: 1 << 20, metrics: metrics), logger: logger)
        let label = uniqueLabel("json-log")
        let keyValue = "5ec2e75ec2e75ec2e75ec2e75ec2e75e"
        let plain = "9a1a7e9a1a7e9a1a7e"
        do {
            try await app.test(.router) { client in
                let id: HTTPFields = [.xRequestID: "json-log-test"]
                let stored = try await client.send(
                    .post, "/store-key", ["key_label": label, "id": 1, "key_value": keyValue, "key_type": "AES"], headers: id)
                #expect(stored.status == .created)
                let sealed = try await client.send(
                    .post, "/encrypt-pool", ["key_label": label, "plain": plain, "encryption_algorithm": 1], headers: id)
                #expect(sealed.status == .ok)
                #expect(try await client.send(.post, "/encrypt-pool", raw: "{\"key_label\":", headers: id).status == .badRequest)
            }
        } catch {
            await hsm.shutdown()
            throw error
        }
        await hsm.shutdown()

        let objects = try collected.objects()
        let requests = objects.filter { $0["message"] as? String == "request" }
        #expect(requests.count == 3)
        #expect(requests.allSatisfy { ($0["metadata"] as? [String: Any])?["request_id"] as? String == "json-log-test" })
        #expect(objects.contains { $0["message"] as? String == "key imported" })
        for line in collected.all {
            #expect(!Self.containsWord(token.pin, in: line), "the PIN in \(line)")
            #expect(!line.lowercased().contains(keyValue) && !line.lowercased().contains(plain), "a secret in \(line)")
        }
    }
}
