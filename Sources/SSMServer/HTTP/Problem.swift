import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// An error answered as RFC 9457 problem details (`application/problem+json`):
/// `{title, detail, status, error, instance}`, SSM's shape, with `instance` the request path.
public struct Problem: Error, HTTPResponseError, Sendable, CustomStringConvertible {
    /// The HTTP status.
    public var status: HTTPResponse.Status
    /// SSM's upper-case error code (`INVALID_JSON`, `KEY_NOT_FOUND`, ...).
    public var code: String
    /// What happened, for a person; never a secret.
    public var detail: String
    /// Extra response headers (`Retry-After`, `Allow`).
    public var headers: HTTPFields

    /// Creates a problem.
    public init(_ status: HTTPResponse.Status, _ code: String, _ detail: String, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.detail = detail
        self.headers = headers
    }

    public var description: String { "\(status.code) \(code): \(detail)" }

    private struct Body: Encodable {
        var title: String
        var detail: String
        var status: Int
        var error: String
        var instance: String
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = Body(
            title: status.reasonPhrase, detail: detail, status: status.code, error: code, instance: request.uri.path)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(body)
        var headers = self.headers
        headers[.contentType] = "application/problem+json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

extension Problem {
    /// 400 `INVALID_JSON`.
    static func invalidJSON(_ detail: String) -> Problem { Problem(.badRequest, "INVALID_JSON", detail) }
    /// 400 `INVALID_HEX` naming the field.
    static func invalidHex(field: String) -> Problem {
        Problem(.badRequest, "INVALID_HEX", "'\(field)' must be an even-length hex string")
    }
    /// 400 `INVALID_REQUEST`.
    static func invalidRequest(_ detail: String) -> Problem { Problem(.badRequest, "INVALID_REQUEST", detail) }
}
