import Testing

@testable import SessionPool

/// Many borrowers against a small pool.
@Suite("ResourcePool under load", .timeLimit(.minutes(1)))
struct ResourcePoolLoadTests {
    enum Outcome: Sendable {
        case served
        case timedOut
        case failed(String)
    }

    @Test func thousandBorrowersNeverExceedMaxSize() async throws {
        let factory = FakeFactory(openDelay: .milliseconds(2))
        let pool = makePool(factory, maxSize: 8, acquireTimeout: .seconds(20))
        let outcomes = await withTaskGroup(of: Outcome.self) { group -> [Outcome] in
            for index in 0..<1_000 {
                group.addTask {
                    do {
                        try await pool.withResource { _ in
                            if index.isMultiple(of: 2) {
                                try await Task.sleep(for: .microseconds(200))
                            } else {
                                await Task.yield()
                            }
                        }
                        return .served
                    } catch PoolError.acquireTimeout {
                        return .timedOut
                    } catch {
                        return .failed("\(error)")
                    }
                }
            }
            var outcomes: [Outcome] = []
            for await outcome in group {
                outcomes.append(outcome)
                let stats = pool.statistics()
                #expect(stats.currentSize <= 8)
            }
            return outcomes
        }
        let served = outcomes.filter { if case .served = $0 { true } else { false } }.count
        let timedOut = outcomes.filter { if case .timedOut = $0 { true } else { false } }.count
        #expect(served + timedOut == 1_000)
        #expect(factory.counts.highWater <= 8)
        let stats = pool.statistics()
        #expect(stats.available + stats.inUse == stats.currentSize)
        #expect(stats.inUse == 0 && stats.waiters == 0)
        #expect(stats.acquired == UInt64(served) && stats.timeouts == UInt64(timedOut))
        #expect(stats.created == UInt64(stats.currentSize) && stats.errors == 0)
        #expect(stats.acquireWait.count == 1_000 - timedOut)
        await pool.shutdown()
        #expect(factory.counts.closed == factory.counts.opened && factory.counts.doubleCloses == 0)
    }

    @Test func thousandBorrowersWithFailuresAndTimeouts() async throws {
        // Some opens fail, some bodies break their resource, the timeout is short.
        let factory = FakeFactory(openDelay: .milliseconds(1), failingAttempts: [1, 3, 5, 20])
        let pool = makePool(factory, maxSize: 4, acquireTimeout: .milliseconds(100))
        let outcomes = await withTaskGroup(of: Outcome.self) { group -> [Outcome] in
            for index in 0..<1_000 {
                group.addTask {
                    do {
                        try await pool.withResource { _ in
                            if index % 97 == 0 { throw FakeError.broken }
                            try await Task.sleep(for: .milliseconds(1))
                        }
                        return .served
                    } catch PoolError.acquireTimeout {
                        return .timedOut
                    } catch let error as FakeError {
                        switch error {
                        case .broken, .openFailed: return .served
                        case .harmless: return .failed("\(error)")
                        }
                    } catch {
                        return .failed("\(error)")
                    }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        let failures = outcomes.compactMap { if case .failed(let message) = $0 { message } else { nil } }
        #expect(failures.isEmpty)
        #expect(factory.counts.highWater <= 4)
        let stats = pool.statistics()
        #expect(stats.available + stats.inUse == stats.currentSize)
        #expect(stats.inUse == 0 && stats.waiters == 0 && stats.currentSize <= 4)
        await pool.shutdown()
        #expect(factory.counts.closed == factory.counts.opened && factory.counts.doubleCloses == 0)
    }
}
