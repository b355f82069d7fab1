import Foundation
import Testing

@testable import SSMCore

/// Where PKCS#11 calls run under `pkcs11.inline` (``HSMCallPlacement/adaptive(threads:)``):
/// on the caller's thread while calls are fast, on the dedicated threads otherwise.
@Suite("Blocking call placement")
struct BlockingExecutorTests {
    /// Whether `body` ran on one of the executor's dedicated threads (NIOThreadPool names them TP-#n).
    static func onDedicatedThread() -> Bool {
        Thread.current.name?.hasPrefix("TP-") == true
    }

    @Test("adaptive: fast calls run inline; after three slow calls in a row every call runs on the thread pool")
    func adaptiveBacksOff() async throws {
        let executor = BlockingExecutor(placement: .adaptive(threads: 2), cores: 2)
        #expect(try await executor.run { Self.onDedicatedThread() } == false)
        #expect(executor.runsInline)
        // Slower than InlinePolicy.slowCall (2 ms): two in a row are tolerated (a loaded machine
        // pauses fast calls too), a fast one resets the count, the third in a row backs off for 10 s.
        try await executor.run { Thread.sleep(forTimeInterval: 0.02) }
        try await executor.run { Thread.sleep(forTimeInterval: 0.02) }
        #expect(executor.runsInline)
        try await executor.run {}
        try await executor.run { Thread.sleep(forTimeInterval: 0.02) }
        try await executor.run { Thread.sleep(forTimeInterval: 0.02) }
        #expect(executor.runsInline)
        try await executor.run { Thread.sleep(forTimeInterval: 0.02) }
        #expect(!executor.runsInline)
        #expect(try await executor.run { Self.onDedicatedThread() } == true)
        await executor.shutdown()
    }

    @Test("adaptive: at most cores - 1 calls inline at once; none on one core; thread-pool never inline")
    func inlineLimit() async throws {
        let policy = InlinePolicy(limit: 1)
        let first = try #require(policy.enter())
        #expect(policy.enter() == nil)  // the one slot is taken: this call would go to the threads
        policy.leave(started: first)
        let again = try #require(policy.enter())
        policy.leave(started: again)
        #expect(!policy.isBackingOff)

        let single = BlockingExecutor(placement: .adaptive(threads: 1), cores: 1)
        #expect(try await single.run { Self.onDedicatedThread() } == true)
        #expect(!single.runsInline)
        await single.shutdown()
        let pooled = BlockingExecutor(placement: .threadPool(threads: 1), cores: 2)
        #expect(try await pooled.run { Self.onDedicatedThread() } == true)
        await pooled.shutdown()
        let calling = BlockingExecutor(placement: .callingTask, cores: 2)
        #expect(try await calling.run { Self.onDedicatedThread() } == false)
    }
}
