import Testing

@testable import SessionPool

/// Overload (bounded queue, overflow policies), idle checks and run-time reconfiguration.
@Suite("ResourcePool overload, checks and reconfiguration", .timeLimit(.minutes(1)))
struct ResourcePoolOverloadTests {
    @Test func aFullQueueRejectsAtOnce() async throws {
        let pool = makePool(FakeFactory(), maxSize: 1, acquireTimeout: .seconds(30)) { $0.maxWaiters = 2 }
        let gate = Gate()
        let holder = await pool.hold(until: gate)
        let waiters = (0..<2).map { _ in Task { try await pool.withResource { $0.id } } }
        #expect(await eventually { pool.statistics().waiters == 2 })
        let start = ContinuousClock.now
        await #expect(throws: PoolError.queueFull(2)) { try await pool.withResource { $0 } }
        #expect(start.duration(to: .now) < .seconds(5))
        gate.open()
        _ = try await holder.value
        for waiter in waiters { #expect(try await waiter.value == 1) }
        let stats = pool.statistics()
        #expect(stats.rejected == 1 && stats.inUse == 0 && stats.maxWaiters == 2)
        await pool.shutdown()
    }

    @Test func theFailPolicyNeverWaits() async throws {
        let pool = makePool(FakeFactory(), maxSize: 1) { $0.overflow = .fail }
        let gate = Gate()
        let holder = await pool.hold(until: gate)
        await #expect(throws: PoolError.exhausted) { try await pool.withResource { $0 } }
        gate.open()
        _ = try await holder.value
        #expect(try await pool.withResource { $0.id } == 1)
        #expect(pool.statistics().rejected == 1)
        await pool.shutdown()
    }

    @Test func theOverflowPolicyOpensTemporaryResourcesUpToItsLimit() async throws {
        let factory = FakeFactory()
        let pool = makePool(factory, maxSize: 1, acquireTimeout: .seconds(30)) {
            $0.overflow = .overflow
            $0.maxOverflow = 1
        }
        let gate = Gate()
        let holder = await pool.hold(until: gate)
        // The second borrower gets a temporary resource, held while a third must wait.
        let overflowGate = Gate()
        let overflow = await pool.hold(until: overflowGate)
        #expect(pool.statistics().overflowInUse == 1 && factory.counts.open == 2)
        let third = Task { try await pool.withResource { $0.id } }
        #expect(await eventually { pool.statistics().waiters == 1 })
        overflowGate.open()
        let temporary = try await overflow.value
        // Closed after use, not pooled.
        #expect(await eventually { factory.counts.closedIDs.contains(temporary.id) })
        gate.open()
        _ = try await holder.value
        #expect(try await third.value == 1)
        let stats = pool.statistics()
        #expect(stats.overflowOpened == 1 && stats.overflowInUse == 0 && stats.currentSize == 1)
        await pool.shutdown()
        #expect(factory.counts.open == 0 && factory.counts.doubleCloses == 0)
    }

    @Test func anIdleResourceThatFailsItsCheckIsReplaced() async throws {
        let factory = FakeFactory()
        let pool = makePool(factory, maxSize: 2) { $0.checkAfterIdle = .milliseconds(1) }
        #expect(try await pool.withResource { $0.id } == 1)
        try await Task.sleep(for: .milliseconds(5))
        await pool.maintain()  // marks resource 1 as idle long enough to be checked
        factory.failChecks([1])
        #expect(try await pool.withResource { $0.id } == 2)
        #expect(factory.counts.checks == 1 && factory.counts.closedIDs == [1])
        // A resource that passes is lent without another check until it idles again.
        #expect(try await pool.withResource { $0.id } == 2)
        #expect(factory.counts.checks == 1)
        let stats = pool.statistics()
        #expect(stats.checksFailed == 1 && stats.currentSize == 1)
        await pool.shutdown()
    }

    @Test func growingGivesWaitersPermitsAndShrinkingClosesTheExcess() async throws {
        let factory = FakeFactory()
        let pool = makePool(factory, maxSize: 1, acquireTimeout: .seconds(30))
        let gate = Gate()
        let holder = await pool.hold(until: gate)
        let waiter = Task { try await pool.withResource { $0.id } }
        #expect(await eventually { pool.statistics().waiters == 1 })
        await pool.reconfigure(PoolConfiguration(maxSize: 3, minSize: 0, acquireTimeout: .seconds(30)))
        #expect(try await waiter.value == 2)  // served by a new resource, while 1 is still held
        #expect(pool.maxSize == 3)
        // Three idle resources, then shrink to one: two closed now, and the held one on return.
        let gate2 = Gate()
        let held = await pool.hold(until: gate2)
        await pool.reconfigure(PoolConfiguration(maxSize: 1, minSize: 0))
        gate.open()
        gate2.open()
        _ = try await holder.value
        _ = try await held.value
        let stats = pool.statistics()
        #expect(stats.maxSize == 1 && stats.currentSize <= 1 && stats.inUse == 0)
        #expect(factory.counts.open <= 1)
        await pool.shutdown()
    }

    @Test func failingWaitersAndClosingIdleEmptyThePool() async throws {
        let factory = FakeFactory()
        let pool = makePool(factory, maxSize: 2, acquireTimeout: .seconds(30))
        _ = try await pool.withResource { $0 }
        let gate = Gate()
        let a = await pool.hold(until: gate)
        let b = await pool.hold(until: gate)
        let waiter = Task { try await pool.withResource { $0 } }
        #expect(await eventually { pool.statistics().waiters == 1 })
        pool.failWaiters(with: FakeError.harmless)
        await #expect(throws: FakeError.harmless) { try await waiter.value }
        gate.open()
        _ = try await (a.value, b.value)
        await pool.closeIdle()
        #expect(pool.statistics().currentSize == 0 && factory.counts.open == 0)
        await pool.shutdown()
    }
}
