import Logging
import Synchronization

@testable import SessionPool

/// A one-shot latch: tasks wait until it is opened.
final class Gate: Sendable {
    private let state = Mutex<(isOpen: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func wait() async {
        await withCheckedContinuation { continuation in
            let isOpen = state.withLock { state -> Bool in
                if state.isOpen { return true }
                state.waiters.append(continuation)
                return false
            }
            if isOpen { continuation.resume() }
        }
    }

    func open() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.isOpen = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}

/// A thread-safe list of events, to check orders.
final class Recorder<Element: Sendable>: Sendable {
    private let items = Mutex<[Element]>([])

    func append(_ item: Element) { items.withLock { $0.append(item) } }
    var all: [Element] { items.withLock { $0 } }
}

/// Polls `condition` every 5 ms until it holds or `timeout` passes; returns whether it held.
func eventually(
    within timeout: Duration = .seconds(10), _ condition: () -> Bool
) async -> Bool {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(5))
    }
    return condition()
}

/// A pool over a ``FakeFactory`` with a quiet logger. The default acquire timeout is long (a
/// hang detector, not a bound under test): suites running in parallel can hold the cooperative
/// threads for seconds (SoftHSM fixtures start processes), and a borrower must not time out
/// for that; tests of timeouts pass their own.
func makePool(
    _ factory: FakeFactory, maxSize: Int = 10, minSize: Int = 0,
    idleTimeout: Duration = .seconds(300), maxLifetime: Duration = .seconds(1800),
    acquireTimeout: Duration = .seconds(30), configure: (inout PoolConfiguration) -> Void = { _ in }
) -> ResourcePool<FakeFactory> {
    var logger = Logger(label: "ssm.pool.test")
    logger.logLevel = .critical
    var configuration = PoolConfiguration(
        maxSize: maxSize, minSize: minSize, idleTimeout: idleTimeout, maxLifetime: maxLifetime,
        acquireTimeout: acquireTimeout, checkAfterIdle: nil)
    configure(&configuration)
    return ResourcePool(factory: factory, configuration: configuration, logger: logger)
}

extension ResourcePool {
    /// Starts a borrower that holds its resource until `gate` opens; returns once it holds it.
    func hold(until gate: Gate) async -> Task<Factory.Resource, any Error> {
        let holding = Gate()
        let task = Task {
            try await self.withResource { resource in
                holding.open()
                await gate.wait()
                return resource
            }
        }
        await holding.wait()
        return task
    }
}
