import Testing

@testable import SessionPool

/// Reaping, replenishing and shutdown on the pure state machine, without sleeping.
@Suite("PoolStateMachine maintenance")
struct PoolStateMachineMaintenanceTests {
    typealias Machine = PoolStateMachine<Int, String>

    let t0 = Duration.seconds(1_000)

    func machine(maxSize: Int = 4, minSize: Int = 1, maxLifetime: Duration = .seconds(100)) -> Machine {
        Machine(
            configuration: PoolConfiguration(
                maxSize: maxSize, minSize: minSize, idleTimeout: .seconds(10), maxLifetime: maxLifetime),
            maxSize: maxSize)
    }

    /// Fills the pool with `count` idle resources numbered from 1, returned at `t0 + i` seconds.
    func fill(_ m: inout Machine, count: Int) {
        #expect(m.reserve(upTo: count) == count)
        for index in 1...count {
            _ = m.addOpened(index, now: t0 + .seconds(index))
        }
    }

    @Test func prewarmReservesMinSizeOnce() {
        var m = machine(maxSize: 4, minSize: 3)
        #expect(m.reserveMinimum() == 3)
        #expect(m.reserveMinimum() == 0)
        #expect(m.currentSize == 3)
        for index in 1...3 { _ = m.addOpened(index, now: t0) }
        let stats = m.statistics()
        #expect(stats.available == 3 && stats.created == 3 && stats.currentSize == 3)
    }

    @Test func minSizeIsClampedToMaxSize() {
        let m = Machine(configuration: PoolConfiguration(maxSize: 10, minSize: 8), maxSize: 3)
        #expect(m.maxSize == 3 && m.minSize == 3)
    }

    @Test func idleResourcesAreReapedOldestFirstDownToMinSize() {
        var m = machine(maxSize: 4, minSize: 1)
        fill(&m, count: 4)  // returned at 1, 2, 3, 4 s
        #expect(m.reap(now: t0 + .seconds(12)) == [1, 2])
        // At 12 s resources 1 and 2 have idled 10 s or more.
        #expect(m.available == 2)
        let reaped = m.reap(now: t0 + .seconds(60))
        #expect(reaped == [3])  // 4 stays: minSize
        #expect(m.currentSize == 4)  // closing ones still count until closed
        for _ in 0..<3 { _ = m.closeFinished(now: t0) }
        let stats = m.statistics()
        #expect(stats.currentSize == 1 && stats.available == 1 && stats.closed == 3)
        #expect(m.reap(now: t0 + .seconds(1000)) == [4])  // past maxLifetime, even below minSize
    }

    @Test func reapingSparesRecentlyReturnedResources() {
        var m = machine(maxSize: 4, minSize: 0)
        fill(&m, count: 3)
        #expect(m.reap(now: t0 + .seconds(5)).isEmpty)
        #expect(m.reap(now: t0 + .seconds(12)) == [1, 2])
        #expect(m.available == 1)
    }

    @Test func expiredIdleResourcesAreReapedBelowMinSizeAndReplenished() {
        var m = machine(maxSize: 4, minSize: 2, maxLifetime: .seconds(30))
        fill(&m, count: 2)
        #expect(m.reap(now: t0 + .seconds(31)) == [1])
        #expect(m.reap(now: t0 + .seconds(32)) == [2])
        // Closing ones still hold their slot: nothing to reopen yet.
        #expect(m.reserveMinimum() == 0)
        _ = m.closeFinished(now: t0)
        _ = m.closeFinished(now: t0)
        #expect(m.reserveMinimum() == 2)
    }

    @Test func shutdownFailsWaitersClosesIdleAndDrains() {
        var m = machine(maxSize: 2, minSize: 0)
        fill(&m, count: 1)
        guard case .resource(let lent) = m.acquire(), case .openPermit = m.acquire() else {
            Issue.record("expected a permit and the idle resource")
            return
        }
        _ = m.opened(2, now: t0)
        guard case .wait(let id) = m.acquire() else { return }
        _ = m.enqueue(id, waiter: "A", now: t0, isCancelled: false)

        let action = m.shutdown()
        #expect(action.waiters == ["A"] && action.close.isEmpty)
        #expect(m.isShutdown && !m.isDrained)
        guard case .shutdown = m.acquire() else {
            Issue.record("no lending after shutdown")
            return
        }
        #expect(m.reserveMinimum() == 0)
        guard case .close(1) = m.release(lent, fatal: false, now: t0) else {
            Issue.record("a returned resource is closed after shutdown")
            return
        }
        _ = m.closeFinished(now: t0)
        let second = m.release(PooledResource(resource: 2, openedAt: t0, maxLifetime: .seconds(100)), fatal: false, now: t0)
        guard case .close(2) = second else { return }
        #expect(!m.isDrained)
        _ = m.closeFinished(now: t0)
        #expect(m.isDrained)
        let again = m.shutdown()
        #expect(again.waiters.isEmpty && again.close.isEmpty)
    }

    @Test func shutdownClosesIdleResources() {
        var m = machine(maxSize: 3, minSize: 0)
        fill(&m, count: 3)
        let action = m.shutdown()
        #expect(Set(action.close) == [1, 2, 3])
        for _ in 0..<3 { _ = m.closeFinished(now: t0) }
        #expect(m.isDrained && m.statistics().closed == 3)
    }

    @Test func waitStatisticsPercentiles() {
        let stats = WaitStatistics(samples: Array(1...100).reversed())
        #expect(stats.count == 100 && stats.totalMicroseconds == 5050 && stats.maxMicroseconds == 100)
        #expect(stats.p50Microseconds == 50 && stats.p90Microseconds == 90 && stats.p99Microseconds == 99)
        #expect(stats.meanMicroseconds == 50.5)
        #expect(WaitStatistics(samples: []) == .empty)
    }

    @Test func waitRingKeepsTheLast1024Samples() {
        var ring = WaitSampleRing()
        for _ in 0..<2000 { ring.record(.milliseconds(1)) }
        ring.recordZero()
        #expect(ring.count == 1024)
        #expect(ring.snapshot().filter { $0 == 0 }.count == 1)
        #expect(WaitSampleRing.microseconds(.seconds(2) + .microseconds(7)) == 2_000_007)
        #expect(WaitSampleRing.microseconds(.seconds(-1)) == 0)
    }
}
