import Testing

@testable import SessionPool

/// Borrowing and giving back through ``ResourcePool/withResource(_:)``.
@Suite("ResourcePool lending", .timeLimit(.minutes(1)))
struct ResourcePoolLendingTests {
    @Test func lendsAndReuses() async throws {
        let factory = FakeFactory()
        let pool = makePool(factory, maxSize: 2)
        let first = try await pool.withResource { $0 }
        let second = try await pool.withResource { $0 }
        #expect(first == second)
        let stats = pool.statistics()
        #expect(stats.created == 1 && stats.acquired == 2 && stats.available == 1 && stats.inUse == 0)
        #expect(stats.acquireWait.count == 2 && stats.acquireWait.maxMicroseconds == 0)
        await pool.shutdown()
    }

    /// An actor borrows with a closure that touches its own state: the body runs on the actor.
    actor Counter {
        var uses = 0

        func use(_ pool: ResourcePool<FakeFactory>) async throws -> Int {
            try await pool.withResource { resource in
                uses += 1
                return resource.id
            }
        }
    }

    @Test func borrowsFromAnActor() async throws {
        let pool = makePool(FakeFactory(), maxSize: 1)
        let counter = Counter()
        #expect(try await counter.use(pool) == 1)
        #expect(try await counter.use(pool) == 1)
        #expect(await counter.uses == 2)
        await pool.shutdown()
    }

    @Test func mostRecentlyReturnedIsLentFirst() async throws {
        let factory = FakeFactory()
        let pool = makePool(factory, maxSize: 3)
        // The inner resource is returned first, the outer one last.
        let (outer, inner) = try await pool.withResource { outer in
            try await pool.withResource { inner in (outer, inner) }
        }
        #expect(outer != inner)
        let next = try await pool.withResource { $0 }
        #expect(next == outer)
        let (a, b) = try await pool.withResource { a in try await pool.withResource { b in (a, b) } }
        #expect(a == outer && b == inner)
        await pool.shutdown()
    }

    @Test func fatalErrorClosesTheResource() async throws {
        let factory = FakeFactory()
        let pool = makePool(factory, maxSize: 2)
        await #expect(throws: FakeError.broken) {
            try await pool.withResource { _ in throw FakeError.broken }
        }
        #expect(factory.counts.closed == 1)
        let stats = pool.statistics()
        #expect(stats.errors == 1 && stats.closed == 1 && stats.currentSize == 0 && stats.inUse == 0)
        await pool.shutdown()
    }

    @Test func nonFatalErrorReturnsTheResource() async throws {
        let factory = FakeFactory()
        let pool = makePool(factory, maxSize: 2)
        await #expect(throws: FakeError.harmless) {
            try await pool.withResource { _ in throw FakeError.harmless }
        }
        #expect(factory.counts.closed == 0)
        let stats = pool.statistics()
        #expect(stats.errors == 0 && stats.available == 1 && stats.currentSize == 1)
        await pool.shutdown()
    }

    @Test func failedOpenIsThrownAndLeaksNoCapacity() async throws {
        let factory = FakeFactory(failingAttempts: [1])
        let pool = makePool(factory, maxSize: 1)
        await #expect(throws: FakeError.openFailed(attempt: 1)) {
            try await pool.withResource { $0 }
        }
        #expect(pool.statistics().currentSize == 0)
        let resource = try await pool.withResource { $0 }
        #expect(resource.id == 2)
        let stats = pool.statistics()
        #expect(stats.errors == 1 && stats.created == 1 && stats.currentSize == 1)
        await pool.shutdown()
    }

    @Test func failedOpenWakesAWaiter() async throws {
        // The first open fails, held back until a second borrower has queued behind it.
        let opens = Gate()
        let factory = FakeFactory(openGate: opens, failingAttempts: [1])
        let pool = makePool(factory, maxSize: 1)
        let first = Task { try await pool.withResource { $0 } }
        #expect(await eventually { pool.statistics().currentSize == 1 })
        let second = Task { try await pool.withResource { $0 } }
        #expect(await eventually { pool.statistics().waiters == 1 })
        opens.open()
        await #expect(throws: FakeError.openFailed(attempt: 1)) { try await first.value }
        #expect(try await second.value.id == 2)
        let stats = pool.statistics()
        #expect(stats.currentSize == 1 && stats.available == 1 && stats.errors == 1 && stats.waiters == 0)
        await pool.shutdown()
    }

    @Test func resourceLimitCapsMaxSize() async throws {
        let factory = FakeFactory(resourceLimit: 3)
        let pool = makePool(factory, maxSize: 10)
        #expect(pool.maxSize == 3)
        #expect(makePool(FakeFactory(resourceLimit: 0), maxSize: 10).maxSize == 1)
        #expect(makePool(FakeFactory(resourceLimit: 50), maxSize: 10).maxSize == 10)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    try await pool.withResource { _ in try await Task.sleep(for: .milliseconds(2)) }
                }
            }
            try await group.waitForAll()
        }
        #expect(factory.counts.highWater <= 3)
        #expect(pool.statistics().maxSize == 3)
        await pool.shutdown()
    }

    @Test func prewarmOpensMinSize() async throws {
        let factory = FakeFactory()
        let pool = makePool(factory, maxSize: 5, minSize: 3)
        try await pool.prewarm()
        #expect(factory.counts.opened == 3)
        let stats = pool.statistics()
        #expect(stats.available == 3 && stats.created == 3 && stats.currentSize == 3 && stats.minSize == 3)
        try await pool.prewarm()
        #expect(factory.counts.opened == 3)
        await pool.shutdown()
        #expect(factory.counts.closed == 3)
    }

    @Test func prewarmThrowsTheFirstOpenError() async throws {
        let factory = FakeFactory(failingAttempts: [2])
        let pool = makePool(factory, maxSize: 5, minSize: 3)
        await #expect(throws: FakeError.openFailed(attempt: 2)) { try await pool.prewarm() }
        let stats = pool.statistics()
        #expect(stats.currentSize == 2 && stats.available == 2 && stats.errors == 1)
        await pool.shutdown()
    }
}
