import Testing

@testable import SessionPool

/// Queued borrowers: order, timeouts, cancellation, lifetime hand-over.
@Suite("ResourcePool waiting", .timeLimit(.minutes(1)))
struct ResourcePoolWaitingTests {
    @Test func waitersAreServedFirstComeFirstServed() async throws {
        let factory = FakeFactory()
        let pool = makePool(factory, maxSize: 1)
        let gate = Gate()
        let holder = await pool.hold(until: gate)
        let order = Recorder<String>()
        var tasks: [Task<Void, any Error>] = []
        for (index, name) in ["A", "B", "C"].enumerated() {
            tasks.append(Task { try await pool.withResource { _ in order.append(name) } })
            #expect(await eventually { pool.statistics().waiters == index + 1 })
        }
        gate.open()
        _ = try await holder.value
        for task in tasks { try await task.value }
        #expect(order.all == ["A", "B", "C"])
        let stats = pool.statistics()
        #expect(stats.created == 1 && stats.acquired == 4 && stats.acquireWait.count == 4)
        #expect(stats.acquireWait.maxMicroseconds > 0)
        await pool.shutdown()
    }

    @Test func acquireTimesOut() async throws {
        let factory = FakeFactory()
        let pool = makePool(factory, maxSize: 1, acquireTimeout: .milliseconds(100))
        let gate = Gate()
        let holder = await pool.hold(until: gate)
        let start = ContinuousClock.now
        await #expect(throws: PoolError.acquireTimeout(.milliseconds(100))) {
            try await pool.withResource { $0 }
        }
        let elapsed = start.duration(to: .now)
        #expect(elapsed >= .milliseconds(100) && elapsed < .seconds(10))
        let stats = pool.statistics()
        #expect(stats.waiters == 0 && stats.timeouts == 1 && stats.inUse == 1)
        // Two more, concurrently: both time out, and the timer restarts after stopping.
        async let x = #expect(throws: PoolError.acquireTimeout(.milliseconds(100))) {
            try await pool.withResource { _ in }
        }
        async let y = #expect(throws: PoolError.acquireTimeout(.milliseconds(100))) {
            try await pool.withResource { _ in }
        }
        _ = await (x, y)
        #expect(pool.statistics().timeouts == 3)
        gate.open()
        _ = try await holder.value
        #expect(pool.statistics().available == 1)
        await pool.shutdown()
    }

    @Test func cancelledWaiterThrowsPromptlyAndLeavesTheQueue() async throws {
        let factory = FakeFactory()
        let pool = makePool(factory, maxSize: 1, acquireTimeout: .seconds(30))
        let gate = Gate()
        let holder = await pool.hold(until: gate)
        let waiter = Task { try await pool.withResource { $0 } }
        #expect(await eventually { pool.statistics().waiters == 1 })
        let start = ContinuousClock.now
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
        #expect(start.duration(to: .now) < .seconds(10))
        let stats = pool.statistics()
        #expect(stats.waiters == 0 && stats.cancelled == 1 && stats.timeouts == 0)
        gate.open()
        _ = try await holder.value
        #expect(pool.statistics().available == 1)
        await pool.shutdown()
    }

    @Test func alreadyCancelledTaskDoesNotQueue() async throws {
        let factory = FakeFactory()
        let pool = makePool(factory, maxSize: 1, acquireTimeout: .seconds(30))
        let gate = Gate()
        let holder = await pool.hold(until: gate)
        let start = ContinuousClock.now
        let waiter = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await pool.withResource { $0 }
        }
        await #expect(throws: CancellationError.self) { try await waiter.value }
        #expect(start.duration(to: .now) < .seconds(10))
        let stats = pool.statistics()
        #expect(stats.waiters == 0 && stats.cancelled == 1)
        gate.open()
        _ = try await holder.value
        await pool.shutdown()
    }

    @Test func cancellationWhileHoldingReturnsTheResource() async throws {
        let factory = FakeFactory()
        let pool = makePool(factory, maxSize: 1)
        let started = Gate()
        let task = Task {
            try await pool.withResource { _ in
                started.open()
                try await Task.sleep(for: .seconds(30))
            }
        }
        await started.wait()
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        let stats = pool.statistics()
        #expect(stats.inUse == 0 && stats.available == 1 && stats.closed == 0)
        await pool.shutdown()
    }

    @Test func expiredResourceIsReplacedForTheWaiter() async throws {
        let factory = FakeFactory()
        let pool = makePool(factory, maxSize: 1, maxLifetime: .milliseconds(100))
        let release = Gate()
        let holder = Task {
            try await pool.withResource { resource in
                await release.wait()
                return resource
            }
        }
        #expect(await eventually { pool.statistics().inUse == 1 })
        let waiter = Task { try await pool.withResource { $0 } }
        #expect(await eventually { pool.statistics().waiters == 1 })
        try await Task.sleep(for: .milliseconds(150))  // the held resource is now past maxLifetime
        release.open()
        let old = try await holder.value
        let new = try await waiter.value
        #expect(old.id == 1 && new.id == 2)
        #expect(factory.counts.closed == 1 && factory.counts.highWater == 1)
        let stats = pool.statistics()
        #expect(stats.created == 2 && stats.closed == 1 && stats.currentSize == 1)
        await pool.shutdown()
    }
}
