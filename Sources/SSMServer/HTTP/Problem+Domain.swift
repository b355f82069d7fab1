import HTTPTypes
import PKCS11
import SSMCore
import SessionPool

extension Problem {
    /// Translates a domain error into the problem a client sees. Unknown errors become a
    /// 500 without detail (the log has it).
    static func from(_ error: any Error) -> Problem {
        switch error {
        case let problem as Problem:
            return problem
        case let error as KeyServiceError:
            return from(error)
        case let error as TransitError:
            return from(error)
        case let error as PoolError:
            switch error {
            case .acquireTimeout:
                return Problem(
                    .serviceUnavailable, "POOL_EXHAUSTED", "no HSM session became free in time; retry later",
                    headers: [.retryAfter: "1"])
            case .shutdown:
                return Problem(.serviceUnavailable, "SHUTTING_DOWN", "the server is shutting down", headers: [.retryAfter: "5"])
            case .exhausted:
                return Problem(
                    .serviceUnavailable, "POOL_EXHAUSTED", "every HSM session is in use; retry later",
                    headers: [.retryAfter: "1"])
            case .queueFull:
                return Problem(
                    .serviceUnavailable, "POOL_QUEUE_FULL", "too many requests are waiting for an HSM session; retry later",
                    headers: [.retryAfter: "1"])
            }
        case let error as PKCS11Error:
            return from(error)
        case let error as HSMUnavailableError:
            let (whole, fraction) = error.retryAfter.components
            let seconds = max(1, whole + (fraction > 0 ? 1 : 0))
            return Problem(.serviceUnavailable, "HSM_UNAVAILABLE", error.reason, headers: [.retryAfter: "\(seconds)"])
        case is CancellationError:
            return Problem(.serviceUnavailable, "CANCELLED", "the request was cancelled", headers: [.retryAfter: "1"])
        default:
            return Problem(.internalServerError, "INTERNAL_ERROR", "internal error")
        }
    }

    private static func from(_ error: KeyServiceError) -> Problem {
        let detail = error.description
        switch error {
        case .keyNotFound: return Problem(.notFound, "KEY_NOT_FOUND", detail)
        case .keyExists: return Problem(.conflict, "KEY_EXISTS", detail)
        case .invalidIV: return Problem(.badRequest, "INVALID_IV", detail)
        case .invalidTag: return Problem(.badRequest, "INVALID_TAG", detail)
        case .invalidKeySize: return Problem(.badRequest, "INVALID_KEY_SIZE", detail)
        case .keyTypeMismatch: return Problem(.badRequest, "KEY_TYPE_MISMATCH", detail)
        case .invalidArgument: return Problem(.badRequest, "INVALID_REQUEST", detail)
        case .decryptionFailed: return Problem(.badRequest, "DECRYPTION_ERROR", detail)
        }
    }

    private static func from(_ error: PKCS11Error) -> Problem {
        let call = error.function ?? "the HSM"
        let code = error.returnValue?.name ?? "error"
        switch error.errorClass {
        case .deviceLost, .sessionLost, .loginLost:
            return Problem(
                .serviceUnavailable, "HSM_UNAVAILABLE", "the HSM is unavailable (\(call): \(code)); retry later",
                headers: [.retryAfter: "5"])
        case .resourceExhausted:
            return Problem(
                .serviceUnavailable, "HSM_BUSY", "the HSM is out of resources (\(call): \(code)); retry later",
                headers: [.retryAfter: "1"])
        case .badInput:
            if case .invalidArgument(let message) = error.kind {
                return Problem(.badRequest, "INVALID_REQUEST", message)
            }
            // The HSM refused what the client asked (a key that may not do this, ...).
            return Problem(.badRequest, "HSM_REJECTED", "the HSM refused the operation (\(call): \(code))")
        case .objectProblem, .other:
            return Problem(.badGateway, "HSM_ERROR", "the HSM failed the operation (\(call): \(code))")
        }
    }
}
