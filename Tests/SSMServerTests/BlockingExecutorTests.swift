import Foundation
import Synchronization
import Testing

@testable import SSMCore

/// Where PKCS#11 calls run under `pkcs11.adaptive` (``HSMCallPlacement/adaptive(threads:)``):
/// on a fast lane of one thread per core while calls are fast, on the wide thread pool
/// otherwise; never on the calling task.
@Suite("Blocking call placement")
struct BlockingExecutorTests {
    /// The name of the thread `body` ran on: the lane's are `P11-lane-#n`, the wide pool's `TP-#n`.
    static func threadName() -> String {
        Thread.current.name ?? ""
    }

    @Test("adaptive: fast calls and batches take the lane; after slow calls every call goes to the wide pool")
    func adaptiveBacksOff() async throws {
        let executor = BlockingExecutor(placement: .adaptive(threads: 2), cores: 1)
        let lane = try await executor.run { Self.threadName() }
        #expect(lane.hasPrefix(BlockingExecutor.laneThreadPrefix))  // a dedicated thread, never the calling task
        #expect(executor.usesFastLane)
        // A batch of 100 items in 50 ms: 0.5 ms an operation, a fast module.
        try await executor.run(calls: 100) { Thread.sleep(forTimeInterval: 0.05) }
        #expect(executor.usesFastLane)
        // An HSM answering in 5 ms: off the lane within about twenty calls.
        for _ in 0..<40 where executor.usesFastLane {
            try await executor.run { Thread.sleep(forTimeInterval: 0.005) }
        }
        #expect(!executor.usesFastLane)
        for _ in 0..<4 {
            #expect(try await executor.run { Self.threadName() }.hasPrefix("TP-#"))
        }
        await executor.shutdown()
    }

    @Test("the policy: fast calls, a scheduler pause, rare slow calls keep the lane; calls of 1 ms move off it")
    func runningAverage() throws {
        func calls(_ policy: FastLanePolicy, took: Duration, times: Int = 1) throws {
            for _ in 0..<times {
                #expect(policy.enter())
                policy.leave(ran: took)
            }
        }
        let software = FastLanePolicy()  // SoftHSM: tens of microseconds, now and then a 5 ms pause
        try calls(software, took: .microseconds(40), times: 200)
        try calls(software, took: .milliseconds(5))
        try calls(software, took: .microseconds(40), times: 200)
        #expect(!software.isBackingOff)

        let network = FastLanePolicy()  // a network HSM: 1 ms a call, better served in parallel
        try calls(network, took: .milliseconds(1), times: 10)
        #expect(!network.isBackingOff)
        for _ in 0..<30 where network.enter() {
            network.leave(ran: .milliseconds(1))
        }
        #expect(network.isBackingOff)
        #expect(!network.enter())

        let rare = FastLanePolicy()  // a key generation (20 ms) now and then among fast calls
        for _ in 0..<5 {
            try calls(rare, took: .milliseconds(20))
            try calls(rare, took: .microseconds(40), times: 50)
        }
        #expect(!rare.isBackingOff)
    }

    @Test("adaptive: a call that hangs in the lane sends the calls after it to the wide pool")
    func stuckLane() async throws {
        let executor = BlockingExecutor(placement: .adaptive(threads: 2), cores: 1)
        let release = DispatchSemaphore(value: 0)
        let running = Flag()
        let stuck = Task { try await executor.run { running.set(); release.wait() } }
        while !running.isSet { try await Task.sleep(for: .milliseconds(5)) }
        // Within FastLanePolicy.stall (100 ms) a call may still queue behind it; after it, none does.
        try await Task.sleep(for: .milliseconds(250))
        let probe = Task { try await executor.run { Self.threadName() } }
        for _ in 0..<200 where executor.usesFastLane { try await Task.sleep(for: .milliseconds(10)) }
        #expect(!executor.usesFastLane)
        release.signal()  // lets the test end even if the probe queued behind the stuck call
        #expect(try await probe.value.hasPrefix("TP-#"))
        try await stuck.value
        await executor.shutdown()
    }

    /// A flag set on one thread and read on another.
    final class Flag: Sendable {
        private let value = Atomic<Bool>(false)
        func set() { value.store(true, ordering: .releasing) }
        var isSet: Bool { value.load(ordering: .acquiring) }
    }

    @Test("the policy: a lane with calls that finishes nothing for the stall limit backs off; an idle lane never does")
    func stallOnlyWithCallsInLane() async throws {
        let policy = FastLanePolicy()
        #expect(policy.enter())
        policy.leave(ran: .microseconds(40))
        try await Task.sleep(for: .milliseconds(250))  // idle: not a stall
        #expect(policy.enter())
        #expect(!policy.isBackingOff)
        try await Task.sleep(for: .milliseconds(250))  // that call never finishes: stuck
        #expect(!policy.enter())
        #expect(policy.isBackingOff)
    }

    @Test("thread-pool runs on its threads; calling-task on the caller")
    func otherPlacements() async throws {
        let pooled = BlockingExecutor(placement: .threadPool(threads: 1), cores: 2)
        #expect(try await pooled.run { Self.threadName() }.hasPrefix("TP-"))
        #expect(!pooled.usesFastLane)
        await pooled.shutdown()
        let calling = BlockingExecutor(placement: .callingTask, cores: 2)
        let name = try await calling.run { Self.threadName() }
        #expect(!name.hasPrefix("TP-#") && !name.hasPrefix(BlockingExecutor.laneThreadPrefix))
    }
}
