import HTTPTypes
import SSMCore

extension Problem {
    /// Translates an error into the problem a client sees: a ``Problem`` as it is, the core's
    /// errors through the core's one error type (``SSMError``), anything else a 500 without
    /// detail (the log has it).
    static func from(_ error: any Error) -> Problem {
        if let problem = error as? Problem { return problem }
        guard let error = SSMError(classifying: error) else {
            return Problem(.internalServerError, "INTERNAL_ERROR", "internal error")
        }
        return from(error)
    }

    /// The status of each kind of core error; `Retry-After` in whole seconds, at least 1.
    static func from(_ error: SSMError) -> Problem {
        let status: HTTPResponse.Status =
            switch error.kind {
            case .badInput: .badRequest
            case .tooLarge: .contentTooLarge
            case .notFound: .notFound
            case .conflict: .conflict
            case .denied: .forbidden
            case .unavailable: .serviceUnavailable
            case .hsmFailure: .badGateway
            case .internal: .internalServerError
            }
        var headers: HTTPFields = [:]
        if let retryAfter = error.retryAfter {
            let (whole, fraction) = retryAfter.components
            headers[.retryAfter] = "\(max(1, whole + (fraction > 0 ? 1 : 0)))"
        }
        return Problem(status, error.code, error.detail, headers: headers)
    }
}
