import GRPCCore
import SSMCore

extension RPCError {
    /// The gRPC status of a core error: bad input and values over a limit are
    /// `INVALID_ARGUMENT`, a missing key or version `NOT_FOUND`, a version below the key's
    /// minimum `FAILED_PRECONDITION`, an HSM that is lost, busy or out of sessions
    /// `UNAVAILABLE` (at once while the circuit breaker is open), the HSM's own failures and
    /// anything else `INTERNAL`. The message is the core's detail (never a secret) with its
    /// code.
    init(_ error: SSMError) {
        let code: RPCError.Code =
            switch error.kind {
            case .badInput where error.code == "KEY_VERSION_DISABLED": .failedPrecondition
            case .badInput, .tooLarge: .invalidArgument
            case .notFound: .notFound
            case .conflict: .failedPrecondition
            case .denied: .permissionDenied
            case .unavailable where error.code == "CANCELLED": .cancelled
            case .unavailable: .unavailable
            case .hsmFailure, .internal: .internalError
            }
        self.init(code: code, message: "\(error.code): \(error.detail)")
    }

    /// `error` as the status a call answers: an `RPCError` as it is, a core error mapped by
    /// ``init(_:)``, anything else `INTERNAL` without details (the log has them).
    static func answering(_ error: any Error) -> RPCError {
        if let error = error as? RPCError { return error }
        if let error = SSMError(classifying: error) { return RPCError(error) }
        return RPCError(code: .internalError, message: "INTERNAL_ERROR: internal error")
    }
}
