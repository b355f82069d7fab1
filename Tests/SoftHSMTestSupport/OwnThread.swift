import Foundation

/// Runs a blocking call (a PKCS#11 burst, a `recv` with a timeout) on a thread of its own and
/// awaits its result, so that it never holds one of the cooperative pool's threads (two here),
/// which the rest of the test process — a daemon under test included — needs to make progress.
public func onOwnThread<R: Sendable>(_ body: @escaping @Sendable () throws -> R) async throws -> R {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}
