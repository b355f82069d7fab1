import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import SSMServer
import Testing

/// The audit log: one chained record per request, `verify` names the first broken one.
@Suite("Audit log")
struct AuditLogTests {
    static func temporaryFile() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("audit-\(UUID().uuidString).jsonl").path
    }

    static func lines(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    static func write(_ lines: [String], to path: String) throws {
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: path))
    }

    /// A log of four requests made through the router by client `inside`.
    static func makeLog() async throws -> String {
        let path = temporaryFile()
        let log = try AuditLog(AuditSettings(file: path))
        try await withTestApp(security: AuthorizationTests.security, audit: log) { client, _ in
            let headers = AuthorizationTests.bearer(AuthorizationTests.insideToken)
            let label = uniqueLabel("allowed")
            try await client.send(.post, "/generate-aes-key", ["key_label": label, "bits": 256], headers: headers)
            try await client.send(
                .post, "/encrypt", ["key_label": label, "plain": "5ec7e7da7a", "encryption_algorithm": 1], headers: headers)
            try await client.send(.post, "/encrypt", ["key_label": "forbidden", "plain": "00", "encryption_algorithm": 1], headers: headers)
            try await client.send(.get, "/pool/stats")
        }
        return path
    }

    @Test("one record per request with client, operation, key, status; never the plaintext; the chain verifies")
    func records() async throws {
        let path = try await Self.makeLog()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let lines = try Self.lines(path)
        #expect(lines.count == 4)
        let records = try lines.map { try JSONDecoder().decode(AuditRecord.self, from: Data($0.utf8)) }
        #expect(records.map(\.seq) == [1, 2, 3, 4])
        #expect(records.map(\.status) == [201, 200, 403, 401])
        #expect(records[1].client == "inside")
        #expect(records[1].operation == "encrypt")
        #expect(records[1].keyLabel?.hasPrefix("allowed-") == true)
        #expect(records[1].keyID != nil)
        #expect(records[2].keyLabel == "forbidden")
        #expect(records[3].client == nil && records[3].operation == "stats")
        #expect(records.allSatisfy { !$0.requestID.isEmpty })
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(!text.contains("5ec7e7da7a"))
        #expect(!text.contains(AuthorizationTests.insideToken))
        #expect(try AuditVerifier.verify(Data(text.utf8)) == 4)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
    }

    @Test("an edited, removed or reordered record is named")
    func tampering() async throws {
        let path = try await Self.makeLog()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let lines = try Self.lines(path)
        func verify(_ lines: [String]) -> Int? {
            do {
                _ = try AuditVerifier.verify(Data((lines.joined(separator: "\n") + "\n").utf8))
                return nil
            } catch let error as AuditError {
                return error.line
            } catch {
                return -1
            }
        }
        #expect(verify(lines) == nil)
        var edited = lines
        edited[1] = edited[1].replacingOccurrences(of: "\"status\":200", with: "\"status\":500")
        #expect(edited != lines)
        #expect(verify(edited) == 3)  // record 3's hash of record 2 no longer matches
        var removed = lines
        removed.remove(at: 1)
        #expect(verify(removed) == 2)
        var reordered = lines
        reordered.swapAt(1, 2)
        #expect(verify(reordered) == 2)
        var garbled = lines
        garbled[3] = "{not json"
        #expect(verify(garbled) == 4)
    }

    @Test("the chain continues across restarts")
    func reopen() async throws {
        let path = try await Self.makeLog()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let log = try AuditLog(AuditSettings(file: path))
        try await withTestApp(audit: log) { client, _ in
            try await client.send(.get, "/health-check")
        }
        #expect(try AuditVerifier.verify(Data(contentsOf: URL(fileURLWithPath: path))) == 5)
    }

    @Test("fail closed: a record that cannot be written fails the request, later ones get 503")
    func failClosed() async throws {
        // /dev/full accepts the open and fails every write.
        let log = try AuditLog(AuditSettings(file: "/dev/full"))
        try await withTestApp(audit: log) { client, _ in
            let first = try await client.send(.get, "/health-check")
            expectProblem(first, .internalServerError, "AUDIT_FAILED")
            let second = try await client.send(.get, "/health-check")
            expectProblem(second, .serviceUnavailable, "AUDIT_UNAVAILABLE")
        }
        let failOpen = try AuditLog(AuditSettings(file: "/dev/full", failOpen: true))
        try await withTestApp(audit: failOpen) { client, _ in
            let first = try await client.send(.get, "/health-check")
            let second = try await client.send(.get, "/health-check")
            #expect(first.status == .ok && second.status == .ok)
        }
    }
}
