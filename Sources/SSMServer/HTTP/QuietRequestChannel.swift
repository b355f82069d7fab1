import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import Synchronization

extension HTTPServerBuilder {
    /// HTTP/1.1 as ``HTTPServerBuilder/http1(configuration:)``, except that a request on a
    /// quiet connection is answered in a child task of the connection's task
    /// (``QuietRequestChannel``).
    static func http1QuietRequestsInChildTask(configuration: HTTP1Channel.Configuration) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in QuietRequestChannel(responder: responder, configuration: configuration) }
    }
}

/// Hummingbird's HTTP/1.1 channel, with each request that comes on a quiet connection (its
/// first, or one more than ``busyGap`` after the previous answer) answered in a child task of
/// the connection's task, and back-to-back requests in the connection's task as usual.
///
/// A Swift task keeps the memory its async frames have needed at their deepest (the slabs of
/// the task allocator) until it ends, and Hummingbird runs a connection's requests in one task
/// that lives as long as the connection. A request's chain is deep (the application's
/// responder, middleware, router, controller, key service, pool, PKCS#11 thread): answered in
/// the connection's task, it leaves ~24 KiB with every idle keep-alive connection; in a child
/// task, the memory is freed when the request ends. A child task costs ~15-20 µs of CPU per
/// request on two cores (creating it, one or two more hand-offs between threads), ~10 % of
/// `/encrypt-pool`'s rate under load, so a busy connection keeps answering in its own task:
/// what it holds when it falls idle is freed when it closes (`server.headerTimeout`, 30 s by
/// default, after its last answer). docs/performance.md ("Memory") has the measurements.
struct QuietRequestChannel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value

    /// A connection whose previous answer ended less than this long ago is busy.
    static let busyGap = TimeAmount.milliseconds(100)

    let responder: HTTPChannelHandler.Responder
    let configuration: HTTP1Channel.Configuration

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        HTTP1Channel(responder: responder, configuration: configuration).setup(channel: channel, logger: logger)
    }

    func handle(value: Value, logger: Logger) async {
        let responder = self.responder
        let pace = ConnectionPace()
        let connection = HTTP1Channel(
            responder: { request, writer, channel in
                if pace.isBusy(now: .now(), gap: Self.busyGap) {
                    try await responder(request, writer, channel)
                } else {
                    let handOff = WriterHandOff(writer)
                    try await withThrowingDiscardingTaskGroup { group in
                        group.addTask { try await responder(request, handOff.take(), channel) }
                    }
                }
                pace.answered(at: .now())
            },
            configuration: configuration)
        await connection.handle(value: value, logger: logger)
    }
}

/// When a connection last finished answering. Read and written only by the connection's task,
/// one request after the other.
final class ConnectionPace: Sendable {
    /// `NIODeadline.uptimeNanoseconds` of the last answer's end; 0 before the first.
    private let lastAnswer = Atomic<UInt64>(0)

    func isBusy(now: NIODeadline, gap: TimeAmount) -> Bool {
        let last = lastAnswer.load(ordering: .relaxed)
        return last != 0 && now < NIODeadline.uptimeNanoseconds(last) + gap
    }

    func answered(at now: NIODeadline) {
        lastAnswer.store(now.uptimeNanoseconds, ordering: .relaxed)
    }
}

/// Moves a request's ``ResponseWriter`` (noncopyable, not `Sendable`) from the connection's
/// task into the request's child task, which takes it once.
///
/// `@unchecked Sendable`: the writer is stored before the child task is created and taken by
/// the child alone, once; creating a task orders everything before it ahead of the task's
/// start, and the connection's task does not touch the box again (it waits for the child).
/// The writer itself only holds NIO's `Sendable` outbound writer.
private final class WriterHandOff: @unchecked Sendable {
    private var writer: ResponseWriter?

    init(_ writer: consuming ResponseWriter) {
        self.writer = .some(writer)
    }

    func take() -> ResponseWriter {
        guard let writer = self.writer.take() else {
            preconditionFailure("a request's response writer is taken once")
        }
        return writer
    }
}
