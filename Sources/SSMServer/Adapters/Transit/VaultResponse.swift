import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Vault's answers: every success in its envelope (`request_id`, `lease_id`, `renewable`,
/// `lease_duration`, `data`, `wrap_info`, `warnings`, `auth`), every error as
/// `{"errors": [...]}` (``errorResponse(_:)``).
enum VaultResponse {
    /// A success whose `data` fields `body` writes (the hot routes: no `JSONEncoder`).
    static func ok(
        _ context: SSMRequestContext, status: HTTPResponse.Status = .ok, capacity: Int = 320,
        _ body: (inout JSONWriter) -> Void
    ) -> Response {
        envelope(context, status: status, capacity: capacity) { $0.object("data", body) }
    }

    /// A success whose `data` is `value`, encoded with `JSONEncoder`.
    static func ok(_ context: SSMRequestContext, data value: some Encodable) throws -> Response {
        let json = try encoder.encode(value)
        return envelope(context, status: .ok, capacity: json.count + 256) { $0.raw("data", json: json) }
    }

    /// A success with an `auth` block and no `data` (token renewal).
    static func auth(_ context: SSMRequestContext, _ value: some Encodable) throws -> Response {
        let json = try encoder.encode(value)
        var writer = JSONWriter(capacity: json.count + 256)
        writer.raw("auth", json: json)
        writer.null("data")
        return finish(writer, context, status: .ok)
    }

    /// 204 without a body.
    static let noContent = Response(status: .noContent)

    /// `{"errors": [detail]}` (`[]` for an empty detail) with the problem's status as Vault
    /// gives it (401 is 403 there, a conflict 400, an HSM failure 500) and its headers.
    static func errorResponse(_ problem: Problem) -> Response {
        let status: HTTPResponse.Status =
            switch problem.status.code {
            case 401: .forbidden
            case 409: .badRequest
            case 502: .internalServerError
            default: problem.status
            }
        var writer = JSONWriter(capacity: problem.detail.utf8.count + 32)
        writer.field("errors", strings: problem.detail.isEmpty ? [] : [problem.detail])
        var headers = problem.headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: writer.finish()))
    }

    /// Whether `path` is Vault's (its errors are Vault's).
    static func isVaultPath(_ path: String) -> Bool { path.hasPrefix("/v1/") }

    private static func envelope(
        _ context: SSMRequestContext, status: HTTPResponse.Status, capacity: Int, _ data: (inout JSONWriter) -> Void
    ) -> Response {
        var writer = JSONWriter(capacity: capacity)
        writer.null("auth")
        data(&writer)
        return finish(writer, context, status: status)
    }

    private static func finish(_ writer: consuming JSONWriter, _ context: SSMRequestContext, status: HTTPResponse.Status) -> Response {
        writer.field("lease_duration", 0)
        writer.field("lease_id", "")
        writer.field("renewable", false)
        writer.field("request_id", context.requestID)
        writer.null("warnings")
        writer.null("wrap_info")
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: writer.finish()))
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
}
