import Synchronization

@testable import SessionPool

/// A resource handed out by ``FakeFactory``: its id is the number of the open attempt.
struct FakeResource: Sendable, Hashable {
    let id: Int
}

/// Errors thrown by the fake factory and by test bodies.
enum FakeError: Error, Equatable {
    /// An open attempt that was told to fail.
    case openFailed(attempt: Int)
    /// A borrower error the factory judges fatal.
    case broken
    /// A borrower error the factory judges harmless.
    case harmless
}

/// A factory that counts opens and closes, tracks the high-water mark of concurrently open
/// resources (counted from the start of an open to the end of its close), can fail chosen
/// open attempts, can be slow and can report a resource limit.
final class FakeFactory: PoolResourceFactory {
    struct Counts {
        var attempts = 0
        var opened = 0
        var closed = 0
        var open = 0
        var highWater = 0
        var doubleCloses = 0
        var closedIDs: Set<Int> = []
        var checks = 0
    }

    let resourceLimit: Int?
    private let openDelay: Duration?
    private let openGate: Gate?
    private let failingAttempts: Mutex<Set<Int>>
    /// Ids of resources whose ``check(_:)`` fails.
    private let failingChecks = Mutex<Set<Int>>([])
    private let state = Mutex(Counts())

    /// - Parameter failingAttempts: 1-based numbers of the open attempts that throw.
    /// - Parameter openGate: when given, every open waits until it is opened.
    init(resourceLimit: Int? = nil, openDelay: Duration? = nil, openGate: Gate? = nil, failingAttempts: Set<Int> = []) {
        self.resourceLimit = resourceLimit
        self.openDelay = openDelay
        self.openGate = openGate
        self.failingAttempts = Mutex(failingAttempts)
    }

    var counts: Counts { state.withLock { $0 } }

    /// Makes the given (future) open attempts fail.
    func failAttempts(_ attempts: Set<Int>) {
        failingAttempts.withLock { $0.formUnion(attempts) }
    }

    func openResource() async throws -> FakeResource {
        let attempt = state.withLock { counts in
            counts.attempts += 1
            counts.open += 1
            counts.highWater = max(counts.highWater, counts.open)
            return counts.attempts
        }
        if let openDelay {
            // Not cancellable on purpose: the pool must cope with a slow open whatever happens.
            await Task { try? await Task.sleep(for: openDelay) }.value
        }
        if let openGate {
            await openGate.wait()
        }
        if failingAttempts.withLock({ $0.contains(attempt) }) {
            state.withLock { $0.open -= 1 }
            throw FakeError.openFailed(attempt: attempt)
        }
        state.withLock { $0.opened += 1 }
        return FakeResource(id: attempt)
    }

    func closeResource(_ resource: FakeResource) async {
        await Task.yield()
        state.withLock { counts in
            if !counts.closedIDs.insert(resource.id).inserted { counts.doubleCloses += 1 }
            counts.closed += 1
            counts.open -= 1
        }
    }

    /// Makes the check of these resources fail.
    func failChecks(_ ids: Set<Int>) {
        failingChecks.withLock { $0.formUnion(ids) }
    }

    func check(_ resource: FakeResource) async -> Bool {
        state.withLock { $0.checks += 1 }
        return !failingChecks.withLock { $0.contains(resource.id) }
    }

    func isFatal(_ error: any Error) -> Bool {
        (error as? FakeError) == .broken
    }
}
