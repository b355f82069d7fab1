import NIOPosix

/// Where blocking PKCS#11 calls run.
///
/// Every PKCS#11 call blocks its thread until the module answers. Running such calls
/// on Swift's cooperative pool (one thread per core: two threads here) lets a slow HSM
/// stall every task of the process, the HTTP handlers included. The default is a
/// dedicated thread pool sized to the session pool, so one thread hop per borrowed
/// session; `docs/blocking-calls.md` has the measurements behind that choice.
public enum HSMCallPlacement: Sendable, Hashable, CustomStringConvertible {
    /// Run on the calling task's thread (the cooperative pool). Lowest latency, but a
    /// slow HSM blocks the cooperative threads.
    case callingTask
    /// Run on a dedicated pool of this many threads.
    case threadPool(threads: Int)

    public var description: String {
        switch self {
        case .callingTask: "calling-task"
        case .threadPool(let threads): "thread-pool(\(threads))"
        }
    }
}

/// Runs blocking work according to an ``HSMCallPlacement``.
final class BlockingExecutor: Sendable {
    private let threadPool: NIOThreadPool?

    init(placement: HSMCallPlacement) {
        switch placement {
        case .callingTask:
            self.threadPool = nil
        case .threadPool(let threads):
            let pool = NIOThreadPool(numberOfThreads: max(1, threads))
            pool.start()
            self.threadPool = pool
        }
    }

    /// Runs `body`, off the cooperative pool when a thread pool is configured.
    func run<R: Sendable>(_ body: @escaping @Sendable () throws -> R) async throws -> R {
        guard let threadPool else { return try body() }
        return try await threadPool.runIfActive(body)
    }

    /// Stops the threads once queued work is done.
    func shutdown() async {
        try? await threadPool?.shutdownGracefully()
    }
}
