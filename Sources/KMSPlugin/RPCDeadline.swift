import GRPCCore

/// The deadline a client set on a call (its `grpc-timeout` header), and running work so that
/// the call answers as soon as gRPC cancels it.
struct RPCDeadline: Sendable {
    /// When the client stops waiting, if it said.
    let instant: ContinuousClock.Instant?

    /// The deadline of a call that arrived at `start` with `metadata`.
    init(metadata: Metadata, start: ContinuousClock.Instant) {
        let timeout = metadata[stringValues: "grpc-timeout"].first(where: { _ in true }).flatMap(Self.parse)
        instant = timeout.map { start + $0 }
    }

    /// A `grpc-timeout` value: at most 8 digits and a unit (`H`, `M`, `S`, `m`, `u`, `n`).
    static func parse(_ text: String) -> Duration? {
        guard let unit = text.last, text.count >= 2, text.count <= 9, let value = Int64(text.dropLast()), value >= 0
        else { return nil }
        switch unit {
        case "H": return .seconds(value * 3600)
        case "M": return .seconds(value * 60)
        case "S": return .seconds(value)
        case "m": return .milliseconds(value)
        case "u": return .microseconds(value)
        case "n": return .nanoseconds(value)
        default: return nil
        }
    }

    /// Runs `body` in a task of its own that is cancelled as soon as gRPC cancels the call (its
    /// deadline passed, the client went away, the server is stopping): a wait for an HSM session
    /// then ends at once (an HSM call under way finishes first), and the call fails with
    /// `DEADLINE_EXCEEDED` once the deadline has passed, `CANCELLED` otherwise. (gRPC signals
    /// cancellation through the call's handle, not by cancelling the handler's task.)
    func run<R: Sendable>(_ context: ServerContext, _ body: @escaping @Sendable () async throws -> R) async throws -> R {
        // A task of its own on the global executor, not under the plugin's event-loop preference
        // (``EventLoopTaskExecutor``): the body makes HSM calls, which may block their thread.
        let work = Task(executorPreference: globalConcurrentExecutor) { try await body() }
        do {
            return try await withRPCCancellationHandler {
                try await work.value
            } onCancelRPC: {
                work.cancel()
            }
        } catch {
            guard context.cancellation.isCancelled else { throw error }
            // gRPC's timer started a little before `start` was read: a cancellation within
            // a short margin of the deadline is the deadline's.
            if let instant, ContinuousClock.now + .milliseconds(100) >= instant {
                throw RPCError(code: .deadlineExceeded, message: "the call's deadline passed")
            }
            throw RPCError(code: .cancelled, message: "the call was cancelled")
        }
    }
}
