import DequeModule
import Synchronization

/// A first-come first-served lock for async code: waiting suspends the task, it never
/// blocks a thread. Used to serialise key creation, replacement and deletion, so that
/// automatic ids cannot collide (SoftHSM has also failed spuriously under concurrent
/// key generation).
final class AsyncMutex: Sendable {
    private struct State {
        var locked = false
        var waiters: Deque<CheckedContinuation<Void, Never>> = []
    }

    private let state = Mutex(State())

    /// Runs `body` while holding the lock.
    func withLock<R: Sendable>(_ body: () async throws -> R) async rethrows -> R {
        await lock()
        defer { unlock() }
        return try await body()
    }

    private func lock() async {
        let acquired = state.withLock { state -> Bool in
            guard state.locked else {
                state.locked = true
                return true
            }
            return false
        }
        if acquired { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let granted = state.withLock { state -> Bool in
                if state.locked {
                    state.waiters.append(continuation)
                    return false
                }
                state.locked = true
                return true
            }
            if granted { continuation.resume() }
        }
    }

    private func unlock() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if let next = state.waiters.popFirst() { return next }  // ownership passes on
            state.locked = false
            return nil
        }
        next?.resume()
    }
}
