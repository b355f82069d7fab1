import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import SSMCore
import Testing

@testable import SSMServer

@Suite("GET /openapi.yaml: the document, and every route in it")
struct OpenAPITests {
    /// `docs/openapi.yaml`, the document's one source.
    static let document = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/openapi.yaml")

    /// The document's text.
    static func source() throws -> String {
        try String(contentsOf: document, encoding: .utf8)
    }

    @Test("serves exactly the bytes of docs/openapi.yaml (embedded at build time)")
    func servesTheSource() async throws {
        let source = try [UInt8](Data(contentsOf: Self.document))
        try await withTestApp { client, _ in
            try await client.execute(uri: "/openapi.yaml", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/yaml")
                let served = Array(buffer: response.body)
                // Compared outside #expect, which would print both documents whole.
                let firstDifference = zip(served, source).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(served.count, source.count)
                let same = served == source
                #expect(same, "served \(served.count) bytes, docs/openapi.yaml has \(source.count); they differ from byte \(firstDifference)")
            }
        }
    }

    @Test("documents every route the server registers, with its methods, and no other")
    func everyRouteDocumented() async throws {
        let documented = try Self.documentedOperations(Self.source())
        try await withTestApp { _, hsm in
            let keys = KeyService(hsm: hsm, logger: Logger(label: "ssm-test", factory: { _ in SwiftLogNoOpLogHandler() }))
            let routes = RouteRegistrar()
            addRoutes(to: routes, hsm: hsm, keys: keys, bodyLimit: 1024, metrics: ServerMetrics())
            // Vault's LIST (and LINK, as it reaches the router) has no place in OpenAPI: the
            // document gives it as GET ?list=true.
            let served = Set(
                routes.routes.filter { !["LIST", "LINK"].contains($0.0.rawValue) }.map { "\($0.0.rawValue.lowercased()) \($0.1)" })
            #expect(served.count > 30)
            #expect(served.subtracting(documented).isEmpty, "not documented: \(served.subtracting(documented).sorted())")
            #expect(documented.subtracting(served).isEmpty, "documented, not served: \(documented.subtracting(served).sorted())")
        }
    }

    /// "method path" for each operation of the document: path items under `paths:` (two
    /// spaces), inline or `$ref`'d to `components/pathItems`, methods four (or six) spaces in.
    static func documentedOperations(_ yaml: String) throws -> Set<String> {
        let methods: Set<String> = ["get", "put", "post", "delete", "patch", "head", "options", "trace"]
        let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        func methodsUnder(_ start: Int, indent: Int) -> [String] {
            var found: [String] = []
            var index = start + 1
            while index < lines.count {
                let line = lines[index]
                let leading = line.prefix { $0 == " " }.count
                if !line.trimmingCharacters(in: .whitespaces).isEmpty && leading < indent { break }
                if leading == indent, line.hasSuffix(":"), methods.contains(String(line.dropFirst(indent).dropLast())) {
                    found.append(String(line.dropFirst(indent).dropLast()))
                }
                index += 1
            }
            return found
        }
        var pathItems: [String: [String]] = [:]
        var inPathItems = false
        for (index, line) in lines.enumerated() {
            if line == "  pathItems:" { inPathItems = true; continue }
            if inPathItems, line.hasPrefix("  "), !line.hasPrefix("   ") { inPathItems = false }
            if inPathItems, line.hasPrefix("    "), !line.hasPrefix("     "), line.hasSuffix(":") {
                pathItems[String(line.dropFirst(4).dropLast())] = methodsUnder(index, indent: 6)
            }
        }
        var operations: Set<String> = []
        var inPaths = false
        for (index, line) in lines.enumerated() {
            if line == "paths:" { inPaths = true; continue }
            if inPaths, !line.isEmpty, !line.hasPrefix(" ") { break }
            guard inPaths, line.hasPrefix("  /"), line.hasSuffix(":") else { continue }
            let path = String(line.dropFirst(2).dropLast())
            let next = lines[index + 1].trimmingCharacters(in: .whitespaces)
            let prefix = "$ref: '#/components/pathItems/"
            let names =
                next.hasPrefix(prefix)
                ? try #require(pathItems[String(next.dropFirst(prefix.count).dropLast())], "unknown path item in \(next)")
                : methodsUnder(index, indent: 4)
            #expect(!names.isEmpty, "no operation under \(path)")
            for method in names { operations.insert("\(method) \(path)") }
        }
        return operations
    }
}
