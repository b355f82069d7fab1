import Logging
import SessionPool
import Synchronization

/// The cost of `ResourcePool.withResource` itself: acquire + release of an in-memory resource
/// with a body that does nothing, in wall-clock nanoseconds per operation.
///
/// - `uncontended`: one task, `maxSize` 1 (always an idle resource, never a wait);
/// - `contended`: one task per core, `maxSize` = tasks (the lock is shared, nobody waits);
/// - `waiting`: twice as many tasks as cores, `maxSize` 1 (borrowers queue and are resumed).
struct PoolOverhead {
    let seconds: Double
    let cores: Int

    func measure() async throws -> [PoolResult] {
        let tasks = max(2, cores)
        return [
            try await run(name: "uncontended", tasks: 1, maxSize: 1),
            try await run(name: "contended", tasks: tasks, maxSize: tasks),
            try await run(name: "waiting", tasks: 2 * tasks, maxSize: 1),
        ]
    }

    private func run(name: String, tasks: Int, maxSize: Int) async throws -> PoolResult {
        let configuration = PoolConfiguration(maxSize: maxSize, minSize: maxSize, acquireTimeout: .seconds(30))
        let logger = Logger(label: "ssm.bench", factory: { _ in SwiftLogNoOpLogHandler() })
        let pool = ResourcePool(factory: CounterFactory(), configuration: configuration, logger: logger)
        try await pool.prewarm()
        // Warm-up: caches, the allocator, the first waiter queue.
        _ = try await Self.borrow(pool, tasks: tasks, until: .now + .milliseconds(50))
        let start = ContinuousClock.now
        let operations = try await Self.borrow(pool, tasks: tasks, until: start + .milliseconds(Int(seconds * 1000)))
        let elapsed = (ContinuousClock.now - start).inSeconds
        await pool.shutdown()
        return PoolResult(
            name: name, tasks: tasks, maxSize: maxSize, nanosecondsPerOperation: elapsed / Double(operations) * 1e9,
            operations: operations)
    }

    /// `tasks` tasks borrowing and giving back until `deadline`; returns the operations done.
    private static func borrow(
        _ pool: ResourcePool<CounterFactory>, tasks: Int, until deadline: ContinuousClock.Instant
    ) async throws -> Int {
        try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<tasks {
                group.addTask {
                    var operations = 0
                    while ContinuousClock.now < deadline {
                        for _ in 0..<256 {
                            _ = try await pool.withResource { resource in resource }
                        }
                        operations += 256
                    }
                    return operations
                }
            }
            return try await group.reduce(0, +)
        }
    }
}

/// A factory of integers: opening and closing cost nothing, so only the pool's own work is timed.
final class CounterFactory: PoolResourceFactory {
    private let next = Atomic<Int>(0)

    func openResource() async throws -> Int {
        next.wrappingAdd(1, ordering: .relaxed).newValue
    }

    func closeResource(_ resource: Int) async {}

    func isFatal(_ error: any Error) -> Bool { false }
}
