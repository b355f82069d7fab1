import Foundation
import Logging
import SSMCore
import Testing

@testable import SSMServer

/// The pure rules of the Transit API (Vault's field values, ciphertext strings), and automatic
/// rotation driven with an explicit clock against the test token.
@Suite("Transit rules")
struct TransitRulesTests {
    @Test("durations as Vault writes them", arguments: [
        ("3600", 3600), ("0", 0), ("90s", 90), ("60m", 3600), ("24h", 86400), ("30d", 2_592_000), ("1h30m", 5400),
    ])
    func durations(text: String, seconds: Int) throws {
        #expect(try VaultFields.seconds(text, field: "auto_rotate_period") == seconds)
    }

    @Test("bad durations are refused", arguments: ["", "h", "5x", "-5", "1h5", "10000000000s"])
    func badDurations(text: String) {
        #expect(throws: TransitError.self) { try VaultFields.seconds(text, field: "auto_rotate_period") }
    }

    @Test("Vault's key type names, ssm's earlier names, and unsupported types named in the error")
    func typeNames() throws {
        #expect(try VaultFields.type(nil) == .aes256GCM)
        #expect(try VaultFields.type("aes128-gcm96") == .aes128GCM)
        #expect(try VaultFields.type("hmac") == .hmacSHA256)
        #expect(try VaultFields.type("hmac-sha256") == .hmacSHA256)
        #expect(try VaultFields.type("ecdsa-p384") == .ecdsaP384)
        for type in TransitKeyType.allCases { #expect(try VaultFields.type(VaultFields.typeName(type)) == type) }
        #expect(throws: TransitError.invalidArgument(
            "key type 'chacha20-poly1305' is not supported by ssm's HSM-backed keys (supported: "
                + TransitKeyType.allCases.map(VaultFields.typeName).joined(separator: ", ") + ")")
        ) { try VaultFields.type("chacha20-poly1305") }
    }

    @Test("ciphertext strings: vault: written, vault: and ssm: read, URL-safe base64 read")
    func ciphertexts() throws {
        let value = TransitCiphertext(version: 7, bytes: [0xfb, 0xff, 0x01])
        #expect(value.string == "vault:v7:+/8B")
        #expect(value.urlSafeString == "vault:v7:-_8B")
        for text in ["vault:v7:+/8B", "ssm:v7:+/8B", "vault:v7:-_8B"] {
            #expect(try TransitCiphertext(parsing: text) == value)
        }
        for bad in ["vault:v0:AAAA", "other:v1:AAAA", "vault:v1:", "vault:v1:+_8B", "vault:1:AAAA"] {
            #expect(throws: TransitError.self) { try TransitCiphertext(parsing: bad) }
        }
    }

    @Test("the transit mount: Vault's segments, not sys or auth")
    func mounts() {
        for good in ["transit", "k8s/transit", "kms.v2", "a_b-c"] { #expect(TransitSettings.problem(mount: good) == nil) }
        for bad in ["", "sys", "auth/x", "a//b", "/transit", "transit/", "t r"] { #expect(TransitSettings.problem(mount: bad) != nil) }
    }

    @Test("automatic rotation: due keys rotate once, at the time their period says, whatever the process")
    func autoRotation() async throws {
        try await withTestApp { _, hsm in
            let logger = Logger(label: "ssm-test", factory: { _ in SwiftLogNoOpLogHandler() })
            let store = KeyService(hsm: hsm, logger: logger).store
            let name = Transit.name("auto")
            let first = TransitService(store: store)
            let created = try await first.create(name: name, type: .aes256GCM, autoRotatePeriod: 3600)
            let createdAt = try #require(created.versions.first?.createdDate)
            // Not due yet.
            #expect(try await first.rotateDueKeys(now: createdAt.addingTimeInterval(3500)).rotated.contains(name) == false)
            // Due: rotated once, by whichever of two services (two processes on one token) passes first.
            let second = TransitService(store: store)
            let due = createdAt.addingTimeInterval(3601)
            let passes = try await [first.rotateDueKeys(now: due), second.rotateDueKeys(now: due)]
            #expect(passes.map { $0.rotated.contains(name) } == [true, false])
            let described = try await second.describe(name: name)
            #expect(described.latestVersion == 2)
            // The next rotation is a period after the new version.
            #expect(passes[0].nextDue.map { $0 <= due.addingTimeInterval(3600) } == true)
            _ = try await first.configure(name: name, TransitService.Configuration(deletionAllowed: true, autoRotatePeriod: 0))
            #expect(try await first.rotateDueKeys(now: due.addingTimeInterval(3000)).rotated.contains(name) == false)
            try await first.delete(name: name)
        }
    }
}
