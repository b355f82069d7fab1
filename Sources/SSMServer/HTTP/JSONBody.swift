import HTTPTypes
import Foundation
import Hummingbird
import NIOCore
import NIOFoundationCompat

/// Reading JSON request bodies and writing JSON responses, with SSM's error codes.
enum JSONBody {
    /// Decodes the body as `T`, collecting at most `limit` bytes.
    ///
    /// - Throws: 413 `PAYLOAD_TOO_LARGE` over the limit, 400 `INVALID_JSON` naming the
    ///   missing or mistyped field.
    static func decode<T: Decodable>(_ type: T.Type, from request: Request, limit: Int, emptyAs empty: T? = nil) async throws -> T {
        let buffer = try await collect(request, limit: limit)
        if buffer.readableBytes == 0, let empty { return empty }
        return try decode(T.self, from: buffer)
    }

    /// Decodes the body as `T`, through ``FlatJSON`` when the body has the common flat shape
    /// (the hot routes), else through `JSONDecoder` (same result, `JSONDecoder`'s errors).
    static func decodeFlat<T: FlatJSONDecodable>(_ type: T.Type, from request: Request, limit: Int, emptyAs empty: T? = nil) async throws -> T {
        let buffer = try await collect(request, limit: limit)
        if buffer.readableBytes == 0, let empty { return empty }
        if let values = FlatJSON.read(buffer, fields: T.flatFields), let value = T(flatValues: values) {
            return value
        }
        return try decode(T.self, from: buffer)
    }

    private static func collect(_ request: Request, limit: Int) async throws -> ByteBuffer {
        do {
            return try await request.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw Problem.payloadTooLarge(limit: limit)
        }
    }

    private static func decode<T: Decodable>(_ type: T.Type, from buffer: ByteBuffer) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: buffer)
        } catch let error as DecodingError {
            throw Problem.invalidJSON(describe(error))
        }
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// A JSON response with `status`.
    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try encoder.encode(value)
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// A JSON response with `status`, written by ``JSONWriter`` (the same bytes as the
    /// `Encodable` overload, without `JSONEncoder`).
    static func written(_ value: some JSONWritable, status: HTTPResponse.Status = .ok, capacity: Int = 256) -> Response {
        var writer = JSONWriter(capacity: capacity)
        value.write(to: &writer)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: writer.finish()))
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context, _ last: (any CodingKey)? = nil) -> String {
            let keys = context.codingPath + (last.map { [$0] } ?? [])
            return keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "missing field '\(path(context, key))'"
        case .typeMismatch(_, let context) where context.codingPath.isEmpty,
            .valueNotFound(_, let context) where context.codingPath.isEmpty:
            return "the body must be a JSON object"
        case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
            return "field '\(path(context))' must be \(describeType(type))"
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            return "the body is not valid JSON"
        case .dataCorrupted(let context):
            return "field '\(path(context))' is invalid"
        @unknown default:
            return "the body does not match the expected JSON"
        }
    }

    private static func describeType(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int32.Type: "an integer"
        case is Bool.Type: "a boolean"
        default: "of type \(type)"
        }
    }
}

extension Problem {
    /// 413 `PAYLOAD_TOO_LARGE`.
    static func payloadTooLarge(limit: Int) -> Problem {
        Problem(.contentTooLarge, "PAYLOAD_TOO_LARGE", "the request body is larger than \(limit) bytes")
    }
}
