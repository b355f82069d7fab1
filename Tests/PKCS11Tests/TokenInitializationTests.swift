import Foundation
import PKCS11
import SoftHSMTestSupport
import Testing

@Suite("Token initialisation: C_InitToken, security officer login, C_InitPIN")
struct TokenInitializationTests {
    @Test("SoftHSM's free slot becomes a token whose user logs in with the PIN set by the security officer")
    func initializeFreeSlot() throws {
        let fixture = try SoftHSMToken.shared()
        let module = try fixture.module()
        defer { module.finalize() }
        let free = try #require(try module.tokens().first { !$0.tokenInitialized }, "SoftHSM keeps one free slot")
        let label = "init-\(UUID().uuidString.prefix(8))"
        let soPIN = Array("so-pin-1".utf8)
        let userPIN = Array("user-pin-2".utf8)

        try module.initToken(slot: free.slot, soPIN: soPIN, label: label)
        let created = try module.tokenInfo(slot: free.slot)
        #expect(created.label == label)
        #expect(created.tokenInitialized)
        #expect(!created.userPINInitialized)

        let handle = try module.openSession(slot: free.slot, readWrite: true)
        defer { try? handle.close() }
        let session = Session(handle)
        // No user PIN yet: a user login fails.
        #expect(throws: PKCS11Error.self) { try session.login(pin: userPIN) }
        try session.loginSecurityOfficer(pin: soPIN)
        try session.initUserPIN(userPIN)
        try session.logout()
        #expect(try module.tokenInfo(slot: free.slot).userPINInitialized)

        let wrong = #expect(throws: PKCS11Error.self) { try session.login(pin: Array("nope".utf8)) }
        #expect(wrong?.returnValue == .pinIncorrect)
        try session.login(pin: userPIN)
        #expect(try session.info().state == .readWriteUser)
        try session.logout()
    }

    @Test("a token label must be 1 to 32 bytes")
    func labelLength() throws {
        let module = try SoftHSMToken.shared().module()
        defer { module.finalize() }
        for label in ["", String(repeating: "x", count: 33)] {
            let error = #expect(throws: PKCS11Error.self) { try module.initToken(slot: 999, soPIN: [1, 2, 3, 4], label: label) }
            #expect(error?.function == "C_InitToken")
            guard case .invalidArgument? = error?.kind else {
                Issue.record("expected invalidArgument, got \(String(describing: error))")
                continue
            }
        }
    }
}
