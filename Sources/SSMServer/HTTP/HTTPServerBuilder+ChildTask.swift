import Hummingbird
import HummingbirdCore

extension HTTPServerBuilder {
    /// HTTP/1.1 as ``HTTPServerBuilder/http1(configuration:)``, with each request answered in a
    /// child task of its connection's task, so that an idle keep-alive connection holds only
    /// the memory of the connection's own async frames, not that of its last request's.
    ///
    /// A Swift task keeps the memory its async frames have needed at their deepest (the slabs
    /// of the task allocator) until the task ends, and Hummingbird runs all the requests of a
    /// connection in one task that lives as long as the connection. A request's chain is deep
    /// (the application's responder, middleware, router, controller, key service, pool, the
    /// PKCS#11 thread): run in the connection's task, every idle connection that has encrypted
    /// once keeps ~24 KiB of slabs; in a child task they are freed when the request ends.
    /// docs/performance.md ("Memory") has the measurements, and the cost in throughput.
    static func http1ChildTaskPerRequest(configuration: HTTP1Channel.Configuration) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in
            HTTP1Channel(
                responder: { request, writer, channel in
                    let handOff = WriterHandOff(writer)
                    try await withThrowingDiscardingTaskGroup { group in
                        group.addImmediateTask { try await responder(request, handOff.take(), channel) }
                    }
                },
                configuration: configuration)
        }
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
