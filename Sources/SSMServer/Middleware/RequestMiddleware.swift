import Foundation
import HTTPTypes
import Hummingbird
import Logging
import SSMCore

/// The outermost middleware: gives every request an id, turns every error into problem
/// details (405 with `Allow` for a known path with the wrong method) — or, under `/v1/`,
/// into Vault's `{"errors": [...]}` (``VaultResponse/errorResponse(_:)``) —, logs one line per
/// request (method, path, status, duration, request id; bodies never) and records the
/// request in ``HTTPMetrics`` under its route pattern.
struct RequestMiddleware: RouterMiddleware {
    typealias Context = SSMRequestContext

    let routes: RouteTable
    let metrics: HTTPMetrics

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var context = context
        context.requestID = Self.requestID(from: request)
        context.logger[metadataKey: "hb.request.id"] = nil
        context.logger[metadataKey: "request_id"] = .string(context.requestID)
        let start = ContinuousClock.now
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            let problem = problem(for: error, request: request)
            if problem.status.code >= 500 {
                context.logger.error("request failed", metadata: ["error": "\(String(describing: error))"])
            }
            response =
                VaultResponse.isVaultPath(request.uri.path)
                ? VaultResponse.errorResponse(problem) : try problem.response(from: request, context: context)
        }
        response.headers[.requestID] = context.requestID
        let elapsed = ContinuousClock.now - start
        let status = response.status.code
        metrics.record(
            method: request.method, endpoint: context.endpointPath,
            fallbackRoute: status == 405 ? routes.knownPath(request.uri.path) ?? HTTPMetrics.unmatched : HTTPMetrics.unmatched,
            status: status, duration: elapsed)
        context.logger.info(
            "request",
            metadata: [
                "method": .string(request.method.rawValue), "path": .string(request.uri.path),
                "status": .stringConvertible(response.status.code),
                "duration_ms": .string(Self.milliseconds(elapsed)),
            ])
        return response
    }

    private func problem(for error: any Error, request: Request) -> Problem {
        if let problem = error as? Problem {
            return problem
        }
        // Hummingbird's own errors: no route, body over the limit, ...
        if let error = error as? any HTTPResponseError {
            switch error.status {
            case .notFound:
                if let allowed = routes.allowedMethods(for: request.uri.path) {
                    return Problem(
                        .methodNotAllowed, "METHOD_NOT_ALLOWED",
                        "\(request.method.rawValue) is not allowed on \(request.uri.path)",
                        headers: [.allow: allowed.map(\.rawValue).joined(separator: ", ")])
                }
                return Problem(.notFound, "NOT_FOUND", "no route \(request.method.rawValue) \(request.uri.path)")
            case .contentTooLarge:
                return Problem(.contentTooLarge, "PAYLOAD_TOO_LARGE", "the request body is too large")
            default:
                return Problem(error.status, "HTTP_\(error.status.code)", error.status.reasonPhrase)
            }
        }
        return Problem.from(error)
    }

    /// The client's `X-Request-ID` when it is 1-128 visible ASCII characters, else a new UUID.
    static func requestID(from request: Request) -> String {
        if let given = request.headers[.requestID], (1...128).contains(given.utf8.count),
            given.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f })
        {
            return given
        }
        return RequestIDGenerator.next()
    }

    private static func milliseconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let ms = Double(seconds) * 1000 + Double(attoseconds) / 1e15
        return String(format: "%.3f", ms)
    }
}

extension HTTPField.Name {
    /// `X-Request-ID`.
    static let requestID: HTTPField.Name = {
        guard let name = HTTPField.Name("X-Request-ID") else { preconditionFailure("X-Request-ID is a valid field name") }
        return name
    }()
}
