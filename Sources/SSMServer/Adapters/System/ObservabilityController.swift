import HTTPTypes
import Hummingbird
import NIOCore
import SSMCore

/// `GET /metrics` (Prometheus text format) and `GET /openapi.yaml` (the API's OpenAPI 3.1
/// description, built into the binary).
struct ObservabilityController {
    let hsm: HSM
    let metrics: ServerMetrics

    /// The content type of the Prometheus text exposition format.
    static let prometheusContentType = "text/plain; version=0.0.4; charset=utf-8"

    func addRoutes(to table: RouteRegistrar) {
        table.add(.get, ["/metrics"], .global(.stats)) { _, _ in
            let text = metrics.exposition(pool: hsm.statistics())
            return Response(
                status: .ok, headers: [.contentType: Self.prometheusContentType],
                body: .init(byteBuffer: ByteBuffer(bytes: text)))
        }
        table.add(.get, ["/openapi.yaml"], .open) { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/yaml"],
                body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.yaml)))
        }
    }
}
