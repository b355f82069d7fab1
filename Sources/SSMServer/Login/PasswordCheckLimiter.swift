import Synchronization

/// Bounds the password checks of `POST /login` (bcrypt: a fraction of a second of CPU each):
/// `maxConcurrent` run at once and `maxQueued` wait, first come first served; an attempt beyond
/// is refused at once instead of queueing without limit.
final class PasswordCheckLimiter: Sendable {
    private struct State {
        var running = 0
        var waiting: [CheckedContinuation<Bool, Never>] = []
    }

    private let maxConcurrent: Int
    private let maxQueued: Int
    private let state = Mutex(State())

    init(maxConcurrent: Int, maxQueued: Int) {
        self.maxConcurrent = max(1, maxConcurrent)
        self.maxQueued = max(0, maxQueued)
    }

    /// `check`'s result once a slot is free; nil, without running it, when every slot is taken
    /// and the queue is full.
    func run<Result: Sendable>(_ check: @Sendable () async throws -> Result) async rethrows -> Result? {
        guard await enter() else { return nil }
        defer { leave() }
        return try await check()
    }

    /// Checks waiting for a slot (tests).
    var queued: Int { state.withLock { $0.waiting.count } }

    private func enter() async -> Bool {
        await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let admitted: Bool? = state.withLock { state in
                if state.running < maxConcurrent {
                    state.running += 1
                    return true
                }
                guard state.waiting.count < maxQueued else { return false }
                state.waiting.append(continuation)
                return nil
            }
            if let admitted { continuation.resume(returning: admitted) }
        }
    }

    /// Hands the slot to the first waiter, if any.
    private func leave() {
        let next = state.withLock { state -> CheckedContinuation<Bool, Never>? in
            guard !state.waiting.isEmpty else {
                state.running -= 1
                return nil
            }
            return state.waiting.removeFirst()
        }
        next?.resume(returning: true)
    }
}
