import Synchronization

/// Bounds the password checks of `POST /login` (bcrypt: a fraction of a second of CPU each):
/// `maxConcurrent` run at once and `maxQueued` wait, first come first served; an attempt beyond
/// is refused at once instead of queueing without limit, and one whose task is cancelled (its
/// client went away) leaves the queue.
final class PasswordCheckLimiter: Sendable {
    private struct State {
        var running = 0
        var nextID = 0
        var waiting: [(id: Int, continuation: CheckedContinuation<Bool, Never>)] = []
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

    /// True once a slot is ours; false when the queue is full, or when the task is cancelled
    /// while it waits (it leaves the queue at once).
    private func enter() async -> Bool {
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            return state.nextID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let admitted: Bool? = state.withLock { state in
                    if state.running < maxConcurrent {
                        state.running += 1
                        return true
                    }
                    // Cancelled before queueing: the handler below found nothing to remove.
                    guard state.waiting.count < maxQueued, !Task.isCancelled else { return false }
                    state.waiting.append((id, continuation))
                    return nil
                }
                if let admitted { continuation.resume(returning: admitted) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Bool, Never>? in
                guard let index = state.waiting.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiting.remove(at: index).continuation
            }
            waiter?.resume(returning: false)
        }
    }

    /// Hands the slot to the first waiter, if any.
    private func leave() {
        let next = state.withLock { state -> CheckedContinuation<Bool, Never>? in
            guard !state.waiting.isEmpty else {
                state.running -= 1
                return nil
            }
            return state.waiting.removeFirst().continuation
        }
        next?.resume(returning: true)
    }
}
