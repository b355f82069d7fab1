import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Prometheus
import SSMCore
import Testing

@testable import SSMServer

@Suite("GET /ui: the status page, its files and its JSON")
struct StatusPageTests {
    @Test("the page, its script and its style sheet: types, a strict CSP, nothing inline")
    func assets() async throws {
        try await withTestApp { client, _ in
            for (path, type) in [("/ui", "text/html"), ("/ui/app.js", "text/javascript"), ("/ui/app.css", "text/css")] {
                try await client.execute(uri: path, method: .get) { response in
                    #expect(response.status == .ok, "\(path)")
                    #expect(response.headers[.contentType]?.hasPrefix(type) == true, "\(path)")
                    let policy = response.headers[.contentSecurityPolicy] ?? ""
                    #expect(policy.contains("default-src 'none'") && policy.contains("script-src 'self'"), "\(path)")
                    #expect(!policy.contains("unsafe"), "\(path)")
                    #expect(response.headers[.xContentTypeOptions] == "nosniff")
                }
            }
            let html = try await client.execute(uri: "/ui", method: .get) { String(buffer: $0.body) }
            // Every script is a file of ssm's; no inline script, style or handler attribute.
            #expect(html.components(separatedBy: "<script").count == 2)
            #expect(html.contains(#"<script src="/ui/app.js" defer></script>"#))
            #expect(!html.contains("<style") && !html.contains(" style=") && !html.contains(" onclick="))
            #expect(!html.contains("http://") && !html.contains("https://"))
            let script = try await client.execute(uri: "/ui/app.js", method: .get) { String(buffer: $0.body) }
            #expect(!script.contains("innerHTML") && !script.contains("eval("))
            #expect(script.contains("sessionStorage") && script.contains("'Bearer '"))
        }
    }

    @Test("/ui/status: the pool as /pool/stats has it, the requests by route, keys, audit and TLS")
    func status() async throws {
        try await withTestApp(metrics: ServerMetrics()) { client, _ in
            let label = uniqueLabel("status")
            #expect(try await client.send(.post, "/generate-aes-key", ["key_label": label]).status == .created)
            for _ in 0..<3 {
                let sealed = try await client.send(.post, "/encrypt-pool", ["key_label": label, "plain": "00", "encryption_algorithm": 1])
                #expect(sealed.status == .ok)
            }
            #expect(try await client.send(.post, "/encrypt-pool", ["key_label": label, "plain": "zz", "encryption_algorithm": 1]).status == .badRequest)
            let status = try await client.send(.get, "/ui/status")
            #expect(status.status == .ok)
            #expect(status.headers[.cacheControl] == "no-store")
            #expect(status.body["ready"] as? Bool == true)
            #expect(status.body.string("token") == "ssm-test")
            let pool = try #require(status.body.object("pool"))
            #expect(pool.int("max_size") == 4)
            #expect(pool.object("circuit")?.string("state") == "closed")
            #expect(pool.object("login")?["waiting_for_pin"] as? Bool == false)

            let traffic = try #require(status.body.object("traffic"))
            #expect(traffic["interval_s"] as? Double == 10 && traffic["window_s"] as? Double == 300)
            let routes = try #require(traffic["routes"] as? [[String: Any]])
            let encrypt = try #require(routes.first { $0["route"] as? String == "/encrypt-pool" })
            #expect(encrypt["method"] as? String == "POST")
            #expect(encrypt["requests"] as? Int == 4)
            #expect(encrypt["client_errors"] as? Int == 1 && encrypt["server_errors"] as? Int == 0)
            #expect((encrypt["series"] as? [Int])?.reduce(0, +) == 4)
            #expect((encrypt["p99_ms"] as? Double).map { $0 > 0 } == true)
            #expect(routes.contains { $0["route"] as? String == "/generate-aes-key" })

            let keys = try #require(status.body.object("keys"))
            let ssm = try #require(keys.object("namespaces")?.object("ssm"))
            #expect((ssm.int("keys") ?? 0) >= 1 && (ssm.int("names") ?? 0) >= 1)
            #expect(status.body.object("audit")?["enabled"] as? Bool == false)
            #expect(status.body.object("tls")?["enabled"] as? Bool == false)
        }
    }

    @Test("with clients, /ui/status needs the stats permission while the page itself stays open")
    func permission() async throws {
        try await withTestApp(security: AuthorizationTests.security) { client, _ in
            #expect(try await client.execute(uri: "/ui", method: .get) { $0.status } == .ok)
            expectProblem(try await client.send(.get, "/ui/status"), .unauthorized, "UNAUTHORIZED")
            let other = try await client.send(.get, "/ui/status", headers: AuthorizationTests.bearer(AuthorizationTests.otherToken))
            expectProblem(other, .forbidden, "FORBIDDEN")
            let inside = try await client.send(.get, "/ui/status", headers: AuthorizationTests.bearer(AuthorizationTests.insideToken))
            #expect(inside.status == .ok && inside.body.object("pool") != nil)
        }
    }

    @Test("the TLS section and the expiry gauge come from the certificate's notAfter")
    func certificate() throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }
        let notAfter = try #require(TLSFactory.certificateNotAfter(certificates.serverCertificate))
        // The test certificates are valid for 2 days.
        #expect(abs(notAfter.timeIntervalSinceNow - 2 * 86_400) < 3_600)
        #expect(TLSFactory.certificateNotAfter(certificates.path("missing.pem")) == nil)
        let tls = StatusResponse.tls(notAfter: notAfter, now: notAfter.addingTimeInterval(-86_400 * 1.5))
        #expect(tls.enabled && tls.certificateDaysLeft == 1.5)
        let metrics = ServerMetrics()
        metrics.observeCertificate(notAfter: notAfter)
        let text = String(decoding: metrics.registry.emitToBuffer(), as: UTF8.self)
        #expect(text.contains("\(ServerMetrics.certificateExpiryName) \(notAfter.timeIntervalSince1970)"))
    }
}
