import NIOCore
import NIOHTTP1
import NIOPosix

/// A minimal HTTP/1.1 client on one keep-alive TCP connection to `127.0.0.1`: enough to check the
/// server, prepare ciphertexts and hold idle connections open. Not for load (wrk does that).
///
/// SwiftNIO does the sockets and parses the answers (`HTTPResponseDecoder`), so no byte the server
/// sends goes through a raw pointer here. Requests on one connection are answered in order.
final class HTTPConnection: Sendable {
    private let channel: any Channel
    private let timeout: TimeAmount

    private init(channel: any Channel, timeout: TimeAmount) {
        self.channel = channel
        self.timeout = timeout
    }

    /// Connects to `127.0.0.1:port`; connecting and each answer time out after `timeout` seconds.
    static func connect(port: Int, timeout: Int64 = 10) async throws -> HTTPConnection {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(timeout))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(ResponseCollector())
                }
            }
            .connect(host: "127.0.0.1", port: port)
            .get()
        return HTTPConnection(channel: channel, timeout: .seconds(timeout))
    }

    /// Closes the connection.
    deinit {
        channel.close(promise: nil)
    }

    /// Closes the connection and waits until it is closed.
    func close() async {
        try? await channel.close()
    }

    /// Sends one request and waits for the whole answer.
    func request(_ method: String, _ path: String, json body: [UInt8]? = nil) async throws -> (status: Int, body: [UInt8]) {
        var headers: HTTPHeaders = ["Host": "127.0.0.1"]
        if let body {
            headers.add(name: "Content-Type", value: "application/json")
            headers.add(name: "Content-Length", value: "\(body.count)")
        }
        let promise = channel.eventLoop.makePromise(of: Answer.self)
        let request = PendingRequest(
            head: HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: method), uri: path, headers: headers),
            body: body.map { ByteBuffer(bytes: $0) }, answer: promise)
        // On timeout the collector fails every request waiting on the connection, and closes it.
        let pipeline = channel.pipeline
        let seconds = timeout.nanoseconds / 1_000_000_000
        let deadline = channel.eventLoop.scheduleTask(in: timeout) {
            pipeline.fireErrorCaught(BenchError("\(method) \(path): no answer within \(seconds) s"))
        }
        defer { deadline.cancel() }
        // A write that fails (the connection already closed) never reaches the collector.
        channel.writeAndFlush(request).whenFailure { promise.fail($0) }
        let answer = try await promise.futureResult.get()
        return (answer.status, answer.body)
    }

    /// A TCP port on `127.0.0.1` that was free a moment ago (bound to port 0, then released).
    static func freePort() async throws -> Int {
        let probe = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0)
            .get()
        let port = probe.localAddress?.port
        try? await probe.close()
        guard let port else { throw BenchError("cannot find a free port on 127.0.0.1") }
        return port
    }
}

/// A complete answer: status and body.
private struct Answer: Sendable {
    var status: Int
    var body: [UInt8]
}

/// A request written to the channel, with the promise its answer completes.
private struct PendingRequest: Sendable {
    var head: HTTPRequestHead
    var body: ByteBuffer?
    var answer: EventLoopPromise<Answer>
}

/// Writes each ``PendingRequest`` as HTTP parts and completes the requests' promises, in order,
/// with the answers `HTTPResponseDecoder` parsed. Lives on the channel's event loop only.
private final class ResponseCollector: ChannelDuplexHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = PendingRequest
    typealias OutboundOut = HTTPClientRequestPart

    private var waiting = CircularBuffer<EventLoopPromise<Answer>>()
    private var status = 0
    private var body = ByteBuffer()

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        waiting.append(request.answer)
        context.write(wrapOutboundOut(.head(request.head)), promise: nil)
        if let body = request.body {
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        }
        context.write(wrapOutboundOut(.end(nil)), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = Int(head.status.code)
            body.clear()
        case .body(var chunk):
            body.writeBuffer(&chunk)
        case .end:
            guard let answer = waiting.popFirst() else {
                context.fireErrorCaught(BenchError("an answer to no request"))
                return
            }
            answer.succeed(Answer(status: status, body: Array(buffer: body)))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(BenchError("connection closed by the server"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failAll(error)
        context.close(promise: nil)
    }

    private func failAll(_ error: any Error) {
        while let answer = waiting.popFirst() {
            answer.fail(error)
        }
    }
}
