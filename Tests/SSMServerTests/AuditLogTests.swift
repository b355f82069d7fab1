import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import SSMCore
@testable import SSMServer
import Testing

/// The audit log: one chained record per request, sealed by HMAC; `verify` names the first
/// broken record, and a forger who recomputes the SHA-256 links is caught by the seals.
@Suite("Audit log")
struct AuditLogTests {
    /// The seals' HMAC in software, for the tests of the file format (the HSM's is
    /// ``hsmSeals()``'s).
    static let key = (0..<32).map { _ in UInt8.random(in: 0...255) }
    static let mac: AuditMAC = {
        Array(HMAC<SHA256>.authenticationCode(for: $0, using: SymmetricKey(data: AuditLogTests.key)))
    }

    static func temporaryFile() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("audit-\(UUID().uuidString).jsonl").path
    }

    static func lines(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    static func write(_ lines: [String], to path: String) throws {
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: path))
    }

    /// Opens the log as `ssm serve` does (with the software HMAC): the start seal is written.
    static func open(_ path: String, _ settings: AuditSettings? = nil) async throws -> AuditLog {
        let log = try AuditLog(settings ?? AuditSettings(file: path), mac: mac)
        try await log.seal()
        return log
    }

    /// The line numbers (from 1) of the first broken record, nil when `lines` verify.
    static func brokenLine(_ lines: [String], mac: AuditMAC = mac) async -> Int? {
        do {
            _ = try await AuditVerifier.verify([("log", Data((lines.joined(separator: "\n") + "\n").utf8))], mac: mac)
            return nil
        } catch let error as AuditError {
            return error.line
        } catch {
            return -1
        }
    }

    static func verify(_ paths: [String], mac: AuditMAC = mac) async throws -> AuditVerifier.Summary {
        try await AuditVerifier.verify(try paths.map { (name: $0, data: try Data(contentsOf: URL(fileURLWithPath: $0))) }, mac: mac)
    }

    static func record(path: String = "/health-check", status: Int = 200) -> AuditRecord {
        AuditRecord(
            seq: 0, time: "2026-11-29T20:00:00.000Z", requestID: "r", client: nil, method: "GET", path: path,
            operation: nil, keyLabel: nil, keyID: nil, status: status, durationMs: 1, peer: nil, prev: "")
    }

    /// Recomputes every `prev` from line `from` (0-based) on, as a forger would, and renumbers `seq`.
    static func relink(_ lines: [String], from: Int) throws -> [String] {
        var lines = lines
        for index in max(from, 1)..<lines.count {
            var object = try #require(JSONSerialization.jsonObject(with: Data(lines[index].utf8)) as? [String: Any])
            object["prev"] = AuditVerifier.hash(Data(lines[index - 1].utf8))
            let previous = try #require(JSONSerialization.jsonObject(with: Data(lines[index - 1].utf8)) as? [String: Any])
            object["seq"] = (previous["seq"] as? Int ?? 0) + 1
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
            lines[index] = String(decoding: data, as: UTF8.self)
        }
        return lines
    }

    /// A log of four requests made through the router by client `inside`, sealed.
    static func makeLog() async throws -> String {
        let path = temporaryFile()
        let log = try await open(path)
        try await withTestApp(security: AuthorizationTests.security, audit: log) { client, _ in
            let headers = AuthorizationTests.bearer(AuthorizationTests.insideToken)
            let label = uniqueLabel("allowed")
            try await client.send(.post, "/generate-aes-key", ["key_label": label, "bits": 256], headers: headers)
            try await client.send(
                .post, "/encrypt", ["key_label": label, "plain": "5ec7e7da7a", "encryption_algorithm": 1], headers: headers)
            try await client.send(.post, "/encrypt", ["key_label": "forbidden", "plain": "00", "encryption_algorithm": 1], headers: headers)
            try await client.send(.get, "/pool/stats")
        }
        try await log.seal()
        log.close()
        return path
    }

    @Test("one record per request with client, operation, key, status; never the plaintext; the chain verifies")
    func records() async throws {
        let path = try await Self.makeLog()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let lines = try Self.lines(path)
        #expect(lines.count == 6)  // start seal, four records, seal
        let records = try lines.dropFirst().dropLast().map { try JSONDecoder().decode(AuditRecord.self, from: Data($0.utf8)) }
        #expect(records.map(\.seq) == [2, 3, 4, 5])
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
        let summary = try await Self.verify([path])
        #expect(summary.records == 4 && summary.seals == 2 && summary.unsealed == 0)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
    }

    @Test("an edited, removed or reordered record is named")
    func tampering() async throws {
        let path = try await Self.makeLog()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let lines = try Self.lines(path)
        #expect(await Self.brokenLine(lines) == nil)
        var edited = lines
        edited[2] = edited[2].replacingOccurrences(of: "\"status\":200", with: "\"status\":503")
        #expect(edited != lines)
        #expect(await Self.brokenLine(edited) == 4)  // record 4's hash of record 3 no longer matches
        var removed = lines
        removed.remove(at: 2)
        #expect(await Self.brokenLine(removed) == 3)
        var reordered = lines
        reordered.swapAt(2, 3)
        #expect(await Self.brokenLine(reordered) == 3)
        var garbled = lines
        garbled[3] = "{not json"
        #expect(await Self.brokenLine(garbled) == 4)
    }

    @Test("a forger who recomputes every later SHA-256 link is caught by the next seal")
    func relinked() async throws {
        let path = try await Self.makeLog()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let lines = try Self.lines(path)
        // Status 200 → 503 in record 3, every later link recomputed: the chain is whole again,
        // but the seal (line 6) covers record 5's old hash.
        var edited = lines
        edited[2] = edited[2].replacingOccurrences(of: "\"status\":200", with: "\"status\":503")
        edited = try Self.relink(edited, from: 3)
        #expect(await Self.brokenLine(edited) == 6)
        // A middle record deleted, later lines renumbered and relinked.
        var removed = lines
        removed.remove(at: 2)
        removed = try Self.relink(removed, from: 2)
        #expect(await Self.brokenLine(removed) == 5)
        // A forged seal: the right head, an HMAC with another key.
        let forger = SymmetricKey(size: .bits256)
        var forged = try JSONDecoder().decode(AuditSealLine.self, from: Data(edited[5].utf8))
        forged.seal.head = AuditVerifier.hash(Data(edited[4].utf8))
        forged.seal.mac = AuditVerifier.hex(HMAC<SHA256>.authenticationCode(for: forged.seal.message, using: forger))
        edited[5] = String(decoding: try AuditRecord.encoder.encode(forged), as: UTF8.self)
        #expect(await Self.brokenLine(edited) == 6)
        // The seals dropped: the edited records are reported unsealed.
        var unsealed = lines
        unsealed[2] = unsealed[2].replacingOccurrences(of: "\"status\":200", with: "\"status\":503")
        unsealed.removeLast()
        unsealed = try Self.relink(unsealed, from: 3)
        let summary = try await AuditVerifier.verify([("log", Data((unsealed.joined(separator: "\n") + "\n").utf8))], mac: Self.mac)
        #expect(summary.unsealed == 4)
    }

    @Test("the chain continues across restarts")
    func reopen() async throws {
        let path = try await Self.makeLog()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let log = try await Self.open(path)
        try await withTestApp(audit: log) { client, _ in
            try await client.send(.get, "/health-check")
        }
        try await log.seal()
        let summary = try await Self.verify([path])
        #expect(summary.records == 5 && summary.unsealed == 0)
    }

    @Test("a torn last line is reported, named by the start seal, and the chain continues after it")
    func tornLine() async throws {
        let path = try await Self.makeLog()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("{\"client\":\"ins".utf8))
        try handle.close()
        let log = try await Self.open(path)
        #expect(log.tornLine == 7)
        try log.append(Self.record())
        try await log.seal()
        log.close()
        let summary = try await Self.verify([path])
        #expect(summary.torn == 1 && summary.records == 5 && summary.unsealed == 0)
        // The torn line cannot be replaced by another one.
        var lines = try Self.lines(path)
        lines[6] = "{\"client\":\"other"
        #expect(await Self.brokenLine(lines) == 7)
    }

    @Test("a second writer of the same file is refused")
    func locked() async throws {
        let path = Self.temporaryFile()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let log = try await Self.open(path)
        #expect(throws: AuditError.self) { try AuditLog(AuditSettings(file: path), mac: Self.mac) }
        log.close()
        // Free once closed. A process that other tests start at this moment holds a copy of the
        // descriptor (and the lock) between its fork and its exec: give it a moment.
        var reopened: AuditLog?
        for _ in 0..<50 where reopened == nil {
            reopened = try? AuditLog(AuditSettings(file: path), mac: Self.mac)
            if reopened == nil { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(reopened != nil)
    }

    @Test("rotation: after mv and reopen a new file starts, and the chain links across both")
    func rotation() async throws {
        let path = Self.temporaryFile()
        defer {
            try? FileManager.default.removeItem(atPath: path)
            try? FileManager.default.removeItem(atPath: path + ".1")
        }
        let log = try await Self.open(path, AuditSettings(file: path, sync: .record))
        try log.append(Self.record())
        try log.append(Self.record())
        try FileManager.default.moveItem(atPath: path, toPath: path + ".1")
        try log.append(Self.record())  // still into the moved file
        try await log.reopen()
        #expect(FileManager.default.fileExists(atPath: path))
        try log.append(Self.record())
        try await log.seal()
        log.close()
        let both = try await Self.verify([path + ".1", path])
        #expect(both.records == 4 && both.unsealed == 0 && both.continuesFrom == nil)
        let old = try await Self.verify([path + ".1"])
        #expect(old.records == 3 && old.unsealed == 0)  // sealed before the switch
        let new = try await Self.verify([path])
        #expect(new.records == 1 && new.unsealed == 0 && new.continuesFrom != nil)
        // Lines cut off the top of the new file are caught by its seal.
        let lines = try Self.lines(path)
        #expect(await Self.brokenLine(Array(lines.dropFirst())) == 1)
        // The files in the wrong order do not link.
        await #expect(throws: AuditError.self) { try await Self.verify([path, path + ".1"]) }
    }

    @Test("an oversized path or label is cut, with a marker")
    func bounded() async throws {
        let path = Self.temporaryFile()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let log = try await Self.open(path)
        var record = Self.record(path: "/" + String(repeating: "a", count: 80 * 1024))
        record.keyLabel = String(repeating: "é", count: 1000)
        try log.append(record)
        let lines = try Self.lines(path)
        #expect(lines[1].utf8.count < 2 * 1024)
        let written = try JSONDecoder().decode(AuditRecord.self, from: Data(lines[1].utf8))
        #expect(written.path.hasSuffix("…[+\(80 * 1024 + 1 - AuditRecord.maxFieldBytes) bytes]"))
        #expect(written.keyLabel?.hasPrefix(String(repeating: "é", count: 256)) == true)
        #expect(written.keyLabel?.hasSuffix("…[+1488 bytes]") == true)
    }

    @Test("fail closed: a write is retried, then the request fails and later ones get 503, /ready too")
    func failClosed() async throws {
        // /dev/full accepts the open and fails every write.
        let log = try AuditLog(AuditSettings(file: "/dev/full"), mac: Self.mac)
        try await withTestApp(audit: log) { client, _ in
            let first = try await client.send(.get, "/health-check")
            expectProblem(first, .internalServerError, "AUDIT_FAILED")
            #expect(log.statistics.retries == 2 && !log.isHealthy)
            let second = try await client.send(.get, "/health-check")
            expectProblem(second, .serviceUnavailable, "AUDIT_UNAVAILABLE")
            #expect(try await client.send(.get, "/ready").status == .serviceUnavailable)
        }
    }

    @Test("fail open: requests are served, /ready says DEGRADED, ssm_audit_log_failed is 1")
    func failOpen() async throws {
        let log = try AuditLog(AuditSettings(file: "/dev/full", failOpen: true), mac: Self.mac)
        let metrics = ServerMetrics()
        metrics.observe(log)
        try await withTestApp(metrics: metrics, audit: log) { client, _ in
            let first = try await client.send(.get, "/health-check")
            let second = try await client.send(.get, "/health-check")
            #expect(first.status == .ok && second.status == .ok)
            let ready = try await client.send(.get, "/ready")
            #expect(ready.status == .ok && ready.body.string("status") == "DEGRADED")
            let text = try await client.execute(uri: "/metrics", method: .get) { String(buffer: $0.body) }
            #expect(text.contains("ssm_audit_log_failed 1"))
            #expect(text.contains("ssm_audit_write_retries_total 2"))
        }
    }

    @Test("the seals' key lives in the HSM: created once; verify with another key fails")
    func hsmSeals() async throws {
        let path = Self.temporaryFile()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await withTestApp { _, hsm in
            let keys = InternalKeys(store: KeyService(hsm: hsm, logger: Logger(label: "test")).store)
            let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
            let log = try await AuditLog.open(AuditSettings(file: path), keys: keys, logger: logger)
            #expect(try await keys.ensureHMACKey(name: AuditLog.keyName) == false)
            try log.append(Self.record())
            try await log.seal()
            log.close()
            let summary = try await Self.verify([path], mac: AuditLog.hsmMAC(keys))
            #expect(summary.records == 1 && summary.seals == 2)
            await #expect(throws: AuditError.self) { try await Self.verify([path], mac: Self.mac) }
        }
    }
}
