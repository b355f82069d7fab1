import Foundation
import HTTPTypes
import HummingbirdTesting
import PKCS11
import SSMServer
import SoftHSMTestSupport
import Testing

@Suite("Transit metadata in the token")
struct TransitDurabilityTests {
    @Test("a stale metadata copy (an interrupted change) is ignored and removed; leftover version objects are replaced")
    func interruptedChanges() async throws {
        let name = Transit.name("dur")
        try await withTestApp { client, _ in
            try await Transit.create(client, name)
            try await Transit.send(client, .post, "keys/\(name)/rotate")
        }
        let token = try SoftHSMToken.shared()
        // What a crash between writing a new revision and destroying the old one leaves, and a
        // version object generated before a crash that kept the metadata from naming it.
        let stale = #"{"deletionAllowed":false,"latestVersion":1,"minDecryptionVersion":1,"name":"\#(name)","revision":0,"type":"aes256-gcm","versionCreated":["2026-01-01T00:00:00Z"]}"#
        try token.withLoggedInSession { session in
            _ = try session.createDataObject(application: "ssm-v1", label: "ssm-v1/\(name)", value: Array(stale.utf8))
            _ = try session.generateKey(.aes(bits: 256), label: "ssm-v1/\(name)/3", id: 3)
        }
        try await withTestApp { client, _ in
            let described = try await Transit.send(client, .get, "keys/\(name)")
            #expect(described.body.int("latest_version") == 2)
            let rotated = try await Transit.send(client, .post, "keys/\(name)/rotate")
            #expect(rotated.body.int("latest_version") == 3)
            let sealed = try await Transit.send(client, .post, "encrypt/\(name)", ["plaintext": Transit.b64("x")])
            #expect(sealed.body.string("ciphertext")?.hasPrefix("vault:v3:") == true)
        }
        let (metadataObjects, version3Keys) = try token.withLoggedInSession { session in
            (try session.findDataObjects(application: "ssm-v1", label: "ssm-v1/\(name)").count,
             try session.findSecretKeys(label: "ssm-v1/\(name)/3").count)
        }
        #expect(metadataObjects == 1)
        #expect(version3Keys == 1)
        try await withTestApp { client, _ in try await Transit.delete(client, name) }
        let (remaining, left) = try token.withLoggedInSession { session in
            (try session.findDataObjects(application: "ssm-v1", label: "ssm-v1/\(name)").count,
             try (1...3).map { version in try session.findSecretKeys(label: "ssm-v1/\(name)/\(version)").count })
        }
        #expect(remaining == 0)
        #expect(left == [0, 0, 0])
    }
}
