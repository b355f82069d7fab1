import NIOCore
import NIOPosix
import Synchronization

/// Where blocking PKCS#11 calls run.
///
/// Every PKCS#11 call blocks its thread until the module answers. Running such calls
/// on Swift's cooperative pool (one thread per core: two threads here) lets a slow HSM
/// stall every task of the process, the HTTP handlers included; a dedicated thread pool costs
/// two thread hand-offs per borrowed session. `docs/blocking-calls.md` has the measurements
/// behind the default, ``adaptive(threads:)``: a fast lane of one thread per core while the
/// module is fast, a wider pool as soon as it is not.
public enum HSMCallPlacement: Sendable, Hashable, CustomStringConvertible {
    /// Run on the calling task's thread (the cooperative pool). Lowest latency, but a
    /// slow HSM blocks the cooperative threads.
    case callingTask
    /// Run on a dedicated pool of this many threads.
    case threadPool(threads: Int)
    /// Run on a fast lane of one dedicated thread per core while the module answers fast,
    /// otherwise on a dedicated pool of `threads` threads: calls averaging longer than
    /// ``FastLanePolicy/slowAverage``, or a lane that finishes nothing for
    /// ``FastLanePolicy/stall``, send every call to the pool for ``FastLanePolicy/backOff``.
    case adaptive(threads: Int)

    public var description: String {
        switch self {
        case .callingTask: "calling-task"
        case .threadPool(let threads): "thread-pool(\(threads))"
        case .adaptive(let threads): "adaptive(a thread per core while fast, else thread-pool(\(threads)))"
        }
    }

    /// The dedicated threads beside the fast lane, if any.
    public var threads: Int {
        switch self {
        case .callingTask: 0
        case .threadPool(let threads), .adaptive(let threads): threads
        }
    }
}

/// Where the adaptive placement runs calls now, for `/metrics`.
public struct FastLaneStatus: Sendable, Hashable {
    /// Whether calls take the fast lane now: nil when the placement has no lane
    /// (``HSMCallPlacement/threadPool(threads:)``, ``HSMCallPlacement/callingTask``).
    public var onLane: Bool?
    /// How often the lane was found slow or stuck and calls moved to the wide pool.
    public var backOffs: UInt64

    public init(onLane: Bool? = nil, backOffs: UInt64 = 0) {
        self.onLane = onLane
        self.backOffs = backOffs
    }
}

/// Runs blocking work according to an ``HSMCallPlacement``.
final class BlockingExecutor: Sendable {
    private let threadPool: NIOThreadPool?
    private let lane: (threads: NIOThreadPool, policy: FastLanePolicy)?

    init(placement: HSMCallPlacement, cores: Int = System.coreCount) {
        switch placement {
        case .callingTask:
            self.threadPool = nil
            self.lane = nil
        case .threadPool(let threads):
            self.threadPool = Self.startPool(threads)
            self.lane = nil
        case .adaptive(let threads):
            self.threadPool = Self.startPool(threads)
            self.lane = (Self.startPool(cores, named: Self.laneThreadPrefix), FastLanePolicy())
        }
    }

    /// The fast lane's threads are named this and a number (the wide pool's are NIO's `TP-#`),
    /// so `top -H` and profiles tell them apart.
    static let laneThreadPrefix = "P11-lane-#"

    private static func startPool(_ threads: Int, named prefix: String? = nil) -> NIOThreadPool {
        let pool = NIOThreadPool(numberOfThreads: max(1, threads))
        // `_start(threadNamePrefix:)` is NIO's public (underscored) way to name a pool's threads.
        if let prefix { pool._start(threadNamePrefix: prefix) } else { pool.start() }
        return pool
    }

    /// Runs `body`: on the fast lane when the placement and the module's recent speed allow,
    /// else on the thread pool (on the calling task when there is none: ``HSMCallPlacement/callingTask``).
    /// `calls` is how many PKCS#11 operations `body` makes (a batch's items), so the lane judges
    /// the module by the time of one.
    func run<R: Sendable>(calls: Int = 1, _ body: @escaping @Sendable () throws -> R) async throws -> R {
        if let lane, lane.policy.enter() {
            let policy = lane.policy
            return try await lane.threads.runIfActive {
                let started = ContinuousClock.now
                defer { policy.leave(ran: (ContinuousClock.now - started) / max(1, calls)) }
                return try body()
            }
        }
        guard let threadPool else { return try body() }
        return try await threadPool.runIfActive(body)
    }

    /// Whether the adaptive placement uses its fast lane now (false while it backs off after
    /// slow calls, and for the other placements).
    var usesFastLane: Bool { fastLaneStatus.onLane == true }

    /// The lane's state and back-offs.
    var fastLaneStatus: FastLaneStatus {
        guard let policy = lane?.policy else { return FastLaneStatus() }
        return FastLaneStatus(onLane: !policy.isBackingOff, backOffs: policy.backOffs)
    }

    /// Stops the threads once queued work is done.
    func shutdown() async {
        try? await lane?.threads.shutdownGracefully()
        try? await threadPool?.shutdownGracefully()
    }
}

/// When a PKCS#11 call may take the fast lane (``HSMCallPlacement/adaptive(threads:)``).
///
/// The lane has one thread per core. For a module whose calls are short CPU work on this
/// machine (a software token, a local HSM answering in microseconds) more threads than cores
/// add only context switches and lock contention, and a lane thread that finds the next call
/// queued runs it without sleeping. A module whose calls take long (a network HSM, a failing
/// one) needs calls in parallel instead: when the calls' running average (each call weighing
/// 1/64, and counting at most ``sampleLimit``) exceeds ``slowAverage``, every call goes to the
/// wide pool for ``backOff``. The average rides out the scheduler's pauses of single fast calls
/// on a loaded machine and rare slow calls (a key generation writing the token's files), and
/// moves a module answering in 1 ms or more off the lane within about twenty calls; a batch
/// counts as its items. A lane that has calls but
/// finishes none for ``stall`` (a call that hangs) backs off too, so at most the calls queued
/// in that time wait behind it.
/// No call ever runs on the cooperative pool or an event loop.
final class FastLanePolicy: Sendable {
    /// Calls averaging longer than this (their run time on the lane) belong on the wide pool.
    static let slowAverage: Duration = .microseconds(250)
    /// A call counts in the average as at most this long.
    static let sampleLimit: Duration = .milliseconds(1)
    /// A lane with calls that finishes none for this long is stuck. (At most the calls holding
    /// the pool's sessions can queue behind a hanging one, so this need not be short; a burst of
    /// a thousand connections can keep the lane's threads off the cores for tens of milliseconds.)
    static let stall: Duration = .milliseconds(100)
    /// How long calls stay on the wide pool after the lane was found slow or stuck.
    static let backOff: Duration = .seconds(10)
    /// Each call's weight in the running average: 1 / 2^this.
    private static let averageShift: Int64 = 6

    /// Calls entered and not yet finished.
    private let inLane = Atomic<Int>(0)
    /// Nanoseconds since `origin` of the last call finished (or the lane's last start from empty).
    private let lastProgress = Atomic<Int64>(0)
    /// The running average of the calls' run time, in nanoseconds (updates may race and be lost:
    /// it is a heuristic).
    private let average = Atomic<Int64>(0)
    /// Nanoseconds since `origin` until which calls stay off the lane.
    private let offUntil = Atomic<Int64>(0)
    private let backOffCount = Atomic<UInt64>(0)
    private let origin = ContinuousClock.now

    /// Counts a call into the lane: true when it may take the lane.
    func enter() -> Bool {
        let time = nanoseconds(ContinuousClock.now - origin)
        guard time >= offUntil.load(ordering: .relaxed) else { return false }
        if inLane.load(ordering: .acquiring) == 0 {
            lastProgress.store(time, ordering: .relaxed)
        } else if time - lastProgress.load(ordering: .relaxed) > nanoseconds(Self.stall) {
            backOff(from: time)
            return false
        }
        inLane.wrappingAdd(1, ordering: .acquiring)
        return true
    }

    /// Counts a call out that ran for `ran` on the lane (per PKCS#11 operation).
    func leave(ran: Duration) {
        let time = nanoseconds(ContinuousClock.now - origin)
        lastProgress.store(time, ordering: .relaxed)
        inLane.wrappingSubtract(1, ordering: .releasing)
        let previous = average.load(ordering: .relaxed)
        let sample = min(nanoseconds(ran), nanoseconds(Self.sampleLimit))
        let updated = previous + (sample - previous) >> Self.averageShift
        average.store(updated, ordering: .relaxed)
        if updated > nanoseconds(Self.slowAverage) { backOff(from: time) }
    }

    /// Keeps calls off the lane for ``backOff``; the lane starts over with a fresh average.
    private func backOff(from time: Int64) {
        offUntil.store(time + nanoseconds(Self.backOff), ordering: .relaxed)
        backOffCount.wrappingAdd(1, ordering: .relaxed)
        average.store(0, ordering: .relaxed)
    }

    /// How often calls were sent off the lane.
    var backOffs: UInt64 { backOffCount.load(ordering: .relaxed) }

    /// Whether calls are kept off the lane now.
    var isBackingOff: Bool {
        nanoseconds(ContinuousClock.now - origin) < offUntil.load(ordering: .relaxed)
    }

    private func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
