import Testing

@testable import SessionPool

/// The service loop (reaping, replenishing) and shutdown.
@Suite("ResourcePool lifecycle", .timeLimit(.minutes(1)))
struct ResourcePoolLifecycleTests {
    @Test func shutdownFailsWaitersAndClosesEverythingOnce() async throws {
        let factory = FakeFactory()
        let pool = makePool(factory, maxSize: 2, acquireTimeout: .seconds(30))
        // Both resources lent, one borrower waiting.
        let gate = Gate()
        let holder = await pool.hold(until: gate)
        let borrowed = await pool.hold(until: gate)
        #expect(pool.statistics().inUse == 2)
        let waiter = Task { try await pool.withResource { $0 } }
        #expect(await eventually { pool.statistics().waiters == 1 })

        let shutdown = Task { await pool.shutdown() }
        await #expect(throws: PoolError.shutdown) { try await waiter.value }
        // Lent resources keep shutdown waiting.
        try await Task.sleep(for: .milliseconds(50))
        #expect(pool.statistics().inUse == 2)
        gate.open()
        _ = try await holder.value
        _ = try await borrowed.value
        await shutdown.value
        let counts = factory.counts
        #expect(counts.opened == 2 && counts.closed == 2 && counts.doubleCloses == 0 && counts.open == 0)
        let stats = pool.statistics()
        #expect(stats.currentSize == 0 && stats.closed == 2)
        await #expect(throws: PoolError.shutdown) { try await pool.withResource { $0 } }
        await pool.shutdown()
        #expect(factory.counts.closed == 2)
    }

    @Test func shutdownClosesIdleResources() async throws {
        let factory = FakeFactory()
        let pool = makePool(factory, maxSize: 4, minSize: 3)
        try await pool.prewarm()
        await pool.shutdown()
        let counts = factory.counts
        #expect(counts.closed == 3 && counts.doubleCloses == 0 && counts.open == 0)
        #expect(pool.statistics().currentSize == 0)
        try await pool.prewarm()
        #expect(factory.counts.opened == 3)
    }

    @Test func runReapsIdleResourcesDownToMinSize() async throws {
        let factory = FakeFactory()
        let pool = makePool(factory, maxSize: 4, minSize: 1, idleTimeout: .milliseconds(100))
        #expect(pool.maintenanceInterval == .milliseconds(50))
        let service = Task { try await pool.run() }
        #expect(await eventually { pool.statistics().available == 1 })
        // Borrow three at once, then give them back.
        try await pool.withResource { _ in
            try await pool.withResource { _ in try await pool.withResource { _ in } }
        }
        #expect(factory.counts.opened == 3)
        #expect(await eventually { pool.statistics().currentSize == 1 && factory.counts.closed == 2 })
        service.cancel()
        try await service.value
        let counts = factory.counts
        #expect(counts.closed == counts.opened && counts.doubleCloses == 0)
        #expect(pool.statistics().currentSize == 0)
    }

    @Test func runReplacesMissingResourcesUpToMinSize() async throws {
        let factory = FakeFactory()
        let pool = makePool(factory, maxSize: 4, minSize: 2, idleTimeout: .milliseconds(200))
        let service = Task { try await pool.run() }
        #expect(await eventually { pool.statistics().available == 2 })
        await #expect(throws: FakeError.broken) {
            try await pool.withResource { _ in throw FakeError.broken }
        }
        #expect(await eventually { pool.statistics().available == 2 && factory.counts.opened == 3 })
        service.cancel()
        try await service.value
        #expect(factory.counts.closed == 3)
    }

    @Test func runReplacesExpiredResources() async throws {
        let factory = FakeFactory()
        let pool = makePool(factory, maxSize: 2, minSize: 1, maxLifetime: .milliseconds(100))
        let service = Task { try await pool.run() }
        #expect(await eventually { factory.counts.closed >= 1 && pool.statistics().available == 1 })
        service.cancel()
        try await service.value
        #expect(factory.counts.closed == factory.counts.opened && factory.counts.doubleCloses == 0)
    }

    @Test func runSurvivesAFailingPrewarm() async throws {
        let factory = FakeFactory(failingAttempts: [1])
        let pool = makePool(factory, maxSize: 2, minSize: 1, idleTimeout: .milliseconds(200))
        let service = Task { try await pool.run() }
        #expect(await eventually { pool.statistics().available == 1 })
        #expect(pool.statistics().errors == 1)
        service.cancel()
        try await service.value
    }

    @Test func maintenanceIntervalIsClamped() {
        let factory = FakeFactory()
        #expect(makePool(factory).maintenanceInterval == .seconds(1))
        #expect(makePool(factory, idleTimeout: .milliseconds(10)).maintenanceInterval == .milliseconds(50))
        #expect(makePool(factory, maxLifetime: .seconds(2)).maintenanceInterval == .milliseconds(500))
    }
}
