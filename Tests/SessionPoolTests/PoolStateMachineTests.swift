import Testing

@testable import SessionPool

/// The pure state machine, driven with explicit instants and string waiters.
@Suite("PoolStateMachine")
struct PoolStateMachineTests {
    typealias Machine = PoolStateMachine<Int, String>

    let t0 = Duration.seconds(1_000)

    func machine(
        maxSize: Int = 2, minSize: Int = 0, idleTimeout: Duration = .seconds(10),
        maxLifetime: Duration = .seconds(100), acquireTimeout: Duration = .seconds(1)
    ) -> Machine {
        Machine(
            configuration: PoolConfiguration(
                maxSize: maxSize, minSize: minSize, idleTimeout: idleTimeout, maxLifetime: maxLifetime,
                acquireTimeout: acquireTimeout),
            maxSize: maxSize)
    }

    /// Takes a permit and opens `resource` with it at `now`.
    func open(_ resource: Int, in machine: inout Machine, at now: PoolTimestamp) -> PooledResource<Int> {
        guard case .openPermit = machine.acquire() else {
            Issue.record("expected an open permit")
            return PooledResource(resource: resource, openedAt: now, maxLifetime: .seconds(1))
        }
        return machine.opened(resource, now: now)
    }

    @Test func permitsUpToMaxSizeThenWait() {
        var m = machine(maxSize: 2)
        guard case .openPermit = m.acquire(), case .openPermit = m.acquire() else {
            Issue.record("expected two permits")
            return
        }
        #expect(m.currentSize == 2)
        guard case .wait(let id) = m.acquire() else {
            Issue.record("expected to wait")
            return
        }
        guard case .queued(startTimer: true) = m.enqueue(id, waiter: "A", now: t0, isCancelled: false) else {
            Issue.record("expected the first waiter to start the timer")
            return
        }
        guard case .wait(let id2) = m.acquire(),
            case .queued(startTimer: false) = m.enqueue(id2, waiter: "B", now: t0, isCancelled: false)
        else {
            Issue.record("expected a second waiter without a new timer")
            return
        }
        #expect(m.waiterCount == 2)
        #expect(m.statistics().acquired == 2)
    }

    @Test func lastReturnedIsLentFirst() {
        var m = machine(maxSize: 3)
        let a = open(1, in: &m, at: t0)
        let b = open(2, in: &m, at: t0)
        let c = open(3, in: &m, at: t0)
        for pooled in [b, c, a] {
            guard case .none = m.release(pooled, fatal: false, now: t0) else {
                Issue.record("expected the resource to go idle")
                return
            }
        }
        var lent: [Int] = []
        for _ in 0..<3 {
            if case .resource(let pooled) = m.acquire() { lent.append(pooled.resource) }
        }
        #expect(lent == [1, 3, 2])
    }

    @Test func returnedResourceGoesToWaitersInOrder() {
        var m = machine(maxSize: 1)
        let r = open(7, in: &m, at: t0)
        for name in ["A", "B"] {
            guard case .wait(let id) = m.acquire() else { return }
            _ = m.enqueue(id, waiter: name, now: t0, isCancelled: false)
        }
        guard case .resume("A", .resource(let again)) = m.release(r, fatal: false, now: t0 + .milliseconds(3))
        else {
            Issue.record("expected A to get the resource")
            return
        }
        guard case .resume("B", .resource) = m.release(again, fatal: false, now: t0 + .milliseconds(5)) else {
            Issue.record("expected B to get the resource")
            return
        }
        let stats = m.statistics()
        #expect(stats.inUse == 1 && stats.waiters == 0 && stats.acquired == 3)
        #expect(stats.acquireWait.count == 3)
        #expect(stats.acquireWait.maxMicroseconds == 5_000)
    }

    @Test func failedOpenGivesItsSlotToTheFirstWaiter() {
        var m = machine(maxSize: 1)
        guard case .openPermit = m.acquire(), case .wait(let id) = m.acquire() else { return }
        _ = m.enqueue(id, waiter: "A", now: t0, isCancelled: false)
        guard case .grantPermit("A") = m.openFailed(now: t0) else {
            Issue.record("expected A to get a permit")
            return
        }
        #expect(m.currentSize == 1)
        _ = m.opened(1, now: t0)
        let stats = m.statistics()
        #expect(stats.errors == 1 && stats.created == 1 && stats.inUse == 1 && stats.currentSize == 1)
    }

    @Test func cancelledWaiterLeavesTheQueueAtOnce() {
        var m = machine(maxSize: 1)
        _ = open(1, in: &m, at: t0)
        guard case .wait(let id) = m.acquire() else { return }
        _ = m.enqueue(id, waiter: "A", now: t0, isCancelled: false)
        #expect(m.cancelWaiter(id) == "A")
        #expect(m.cancelWaiter(id) == nil)
        #expect(m.waiterCount == 0)
        guard case .wait(let id2) = m.acquire(), case .cancelled = m.enqueue(id2, waiter: "B", now: t0, isCancelled: true)
        else {
            Issue.record("an already cancelled waiter must not queue")
            return
        }
        #expect(m.statistics().cancelled == 2)
    }

    @Test func waitersExpireAtTheirDeadlineInOrder() {
        var m = machine(maxSize: 1, acquireTimeout: .milliseconds(100))
        _ = open(1, in: &m, at: t0)
        for (name, offset) in [("A", 0), ("B", 30)] {
            guard case .wait(let id) = m.acquire() else { return }
            _ = m.enqueue(id, waiter: name, now: t0 + .milliseconds(offset), isCancelled: false)
        }
        let early = m.expireWaiters(now: t0 + .milliseconds(99))
        #expect(early.expired.isEmpty && early.nextDeadline == t0 + .milliseconds(100))
        let first = m.expireWaiters(now: t0 + .milliseconds(100))
        #expect(first.expired == ["A"] && first.nextDeadline == t0 + .milliseconds(130))
        let last = m.expireWaiters(now: t0 + .milliseconds(200))
        #expect(last.expired == ["B"] && last.nextDeadline == nil)
        #expect(m.statistics().timeouts == 2)
        // The timer stopped, so the next waiter starts a new one.
        guard case .wait(let id) = m.acquire(),
            case .queued(startTimer: true) = m.enqueue(id, waiter: "C", now: t0, isCancelled: false)
        else {
            Issue.record("expected a new timer")
            return
        }
    }

    @Test func fatalErrorClosesAndTheClosedSlotGoesToAWaiter() {
        var m = machine(maxSize: 1)
        let r = open(1, in: &m, at: t0)
        guard case .wait(let id) = m.acquire() else { return }
        _ = m.enqueue(id, waiter: "A", now: t0, isCancelled: false)
        guard case .close(1) = m.release(r, fatal: true, now: t0) else {
            Issue.record("expected the broken resource to be closed")
            return
        }
        // The slot is not free until the close has finished.
        #expect(m.currentSize == 1 && m.waiterCount == 1)
        guard case .grantPermit("A") = m.closeFinished(now: t0) else {
            Issue.record("expected A to get a permit")
            return
        }
        let stats = m.statistics()
        #expect(stats.errors == 1 && stats.closed == 1 && stats.currentSize == 1)
    }

    @Test func resourcePastMaxLifetimeIsClosedWhenReturned() {
        var m = machine(maxSize: 1, maxLifetime: .seconds(60))
        let r = open(1, in: &m, at: t0)
        guard case .none = m.release(r, fatal: false, now: t0 + .seconds(59)) else {
            Issue.record("a young resource is reused")
            return
        }
        guard case .resource(let again) = m.acquire() else { return }
        guard case .close(1) = m.release(again, fatal: false, now: t0 + .seconds(60)) else {
            Issue.record("an expired resource is closed")
            return
        }
        #expect(m.statistics().errors == 0)
    }
}
