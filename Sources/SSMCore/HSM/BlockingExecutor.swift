import NIOCore
import NIOPosix
import Synchronization

/// Where blocking PKCS#11 calls run.
///
/// Every PKCS#11 call blocks its thread until the module answers. Running such calls
/// on Swift's cooperative pool (one thread per core: two threads here) lets a slow HSM
/// stall every task of the process, the HTTP handlers included; a dedicated thread pool costs
/// two thread hand-offs per borrowed session. `docs/blocking-calls.md` has the measurements
/// behind the default, ``adaptive(threads:)``: inline while the module is fast, on the thread
/// pool as soon as it is not.
public enum HSMCallPlacement: Sendable, Hashable, CustomStringConvertible {
    /// Run on the calling task's thread (the cooperative pool). Lowest latency, but a
    /// slow HSM blocks the cooperative threads.
    case callingTask
    /// Run on a dedicated pool of this many threads.
    case threadPool(threads: Int)
    /// Run on the calling task's thread while the module answers fast and fewer calls than the
    /// cooperative pool has threads, less one, already run that way; otherwise on a dedicated
    /// pool of `threads` threads. ``InlinePolicy/slowCallsToBackOff`` inline calls in a row slower
    /// than ``InlinePolicy/slowCall`` send every call to the thread pool for ``InlinePolicy/backOff``.
    case adaptive(threads: Int)

    public var description: String {
        switch self {
        case .callingTask: "calling-task"
        case .threadPool(let threads): "thread-pool(\(threads))"
        case .adaptive(let threads): "adaptive(inline while fast, else thread-pool(\(threads)))"
        }
    }

    /// The dedicated threads, if any.
    public var threads: Int {
        switch self {
        case .callingTask: 0
        case .threadPool(let threads), .adaptive(let threads): threads
        }
    }
}

/// Runs blocking work according to an ``HSMCallPlacement``.
final class BlockingExecutor: Sendable {
    private let threadPool: NIOThreadPool?
    private let inline: InlinePolicy?

    init(placement: HSMCallPlacement, cores: Int = System.coreCount) {
        switch placement {
        case .callingTask:
            self.threadPool = nil
            self.inline = nil
        case .threadPool(let threads):
            self.threadPool = Self.startPool(threads)
            self.inline = nil
        case .adaptive(let threads):
            self.threadPool = Self.startPool(threads)
            // A call that hangs holds its thread: keep one cooperative thread free for
            // everything else (the health check, requests that need no HSM). On one core, never.
            self.inline = cores > 1 ? InlinePolicy(limit: cores - 1) : nil
        }
    }

    private static func startPool(_ threads: Int) -> NIOThreadPool {
        let pool = NIOThreadPool(numberOfThreads: max(1, threads))
        pool.start()
        return pool
    }

    /// Runs `body`: inline when the placement and the module's recent speed allow, else on
    /// the thread pool (inline too when there is none: ``HSMCallPlacement/callingTask``).
    func run<R: Sendable>(_ body: @escaping @Sendable () throws -> R) async throws -> R {
        if let inline, let started = inline.enter() {
            defer { inline.leave(started: started) }
            return try body()
        }
        guard let threadPool else { return try body() }
        return try await threadPool.runIfActive(body)
    }

    /// Whether the adaptive placement runs calls inline now (false while it backs off after a
    /// slow call, and for the other placements).
    var runsInline: Bool { inline?.isBackingOff == false }

    /// Stops the threads once queued work is done.
    func shutdown() async {
        try? await threadPool?.shutdownGracefully()
    }
}

/// When a PKCS#11 call may run on the calling task's own thread (``HSMCallPlacement/adaptive(threads:)``).
///
/// At most `limit` calls run inline at once, and none for ``backOff`` after ``slowCallsToBackOff``
/// inline calls in a row took longer than ``slowCall``: a module that slows down (a network HSM
/// under load, a failing one) moves to the dedicated threads after a few slow answers, and comes
/// back once the back-off has passed. One slow call is not enough: on a loaded machine the
/// scheduler can pause a fast call for milliseconds. A call that never returns holds one thread,
/// and the limit keeps at least one cooperative thread for the rest of the process.
final class InlinePolicy: Sendable {
    /// An inline call slower than this counts as slow.
    static let slowCall: Duration = .milliseconds(2)
    /// This many slow inline calls in a row end inline running for ``backOff``.
    static let slowCallsToBackOff = 3
    /// How long calls stay on the thread pool after a slow inline call.
    static let backOff: Duration = .seconds(10)

    private let limit: Int
    private let running = Atomic<Int>(0)
    /// Slow inline calls since the last fast one.
    private let slowInARow = Atomic<Int>(0)
    /// Nanoseconds since `origin` until which calls stay off the calling thread.
    private let offUntil = Atomic<Int64>(0)
    private let origin = ContinuousClock.now

    init(limit: Int) {
        self.limit = limit
    }

    /// Takes an inline slot: the start time when the call may run inline, nil otherwise.
    func enter() -> ContinuousClock.Instant? {
        let now = ContinuousClock.now
        guard nanoseconds(now - origin) >= offUntil.load(ordering: .relaxed) else { return nil }
        guard running.wrappingAdd(1, ordering: .acquiring).oldValue < limit else {
            running.wrappingSubtract(1, ordering: .releasing)
            return nil
        }
        return now
    }

    /// Gives the slot back; the last of ``slowCallsToBackOff`` slow calls in a row starts the back-off.
    func leave(started: ContinuousClock.Instant) {
        running.wrappingSubtract(1, ordering: .releasing)
        let now = ContinuousClock.now
        guard now - started > Self.slowCall else {
            slowInARow.store(0, ordering: .relaxed)
            return
        }
        if slowInARow.wrappingAdd(1, ordering: .relaxed).newValue >= Self.slowCallsToBackOff {
            slowInARow.store(0, ordering: .relaxed)
            offUntil.store(nanoseconds(now - origin + Self.backOff), ordering: .relaxed)
        }
    }

    /// Whether calls are kept off the calling thread now.
    var isBackingOff: Bool {
        nanoseconds(ContinuousClock.now - origin) < offUntil.load(ordering: .relaxed)
    }

    private func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
