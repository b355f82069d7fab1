import PKCS11
import SoftHSMTestSupport
import Testing

@Suite("Token selection")
struct TokenTests {
    @Test("the test token is found by label, by serial and by slot")
    func select() throws {
        let token = try SoftHSMToken.shared()
        let module = try token.module()
        defer { module.finalize() }

        let byLabel = try module.selectToken(.label(token.label))
        #expect(byLabel.label == "ssm-test")
        #expect(!byLabel.serialNumber.isEmpty)
        #expect(!byLabel.serialNumber.hasSuffix(" "))
        #expect(byLabel.manufacturer == "SoftHSM project")
        #expect(byLabel.tokenInitialized)
        #expect(byLabel.userPINInitialized)
        #expect(byLabel.loginRequired)

        #expect(try module.selectToken(.serial(byLabel.serialNumber)) == byLabel)
        #expect(try module.selectToken(.slot(byLabel.slot)) == byLabel)
        #expect(try module.slots().contains(byLabel.slot))
        #expect(try module.tokenInfo(slot: byLabel.slot) == byLabel)

        let other = try module.selectToken(.label(token.wrongPinLabel))
        #expect(other.slot != byLabel.slot)
    }

    @Test("an unknown label fails, listing the tokens present")
    func unknownLabel() throws {
        let module = try SoftHSMToken.shared().module()
        defer { module.finalize() }
        let error = #expect(throws: PKCS11Error.self) { try module.selectToken(.label("no-such-token")) }
        guard case .tokenNotFound(let selector, let present)? = error?.kind else {
            Issue.record("expected tokenNotFound, got \(String(describing: error))")
            return
        }
        #expect(selector == .label("no-such-token"))
        #expect(present.contains { $0.label == "ssm-test" })
        let description = error?.description ?? ""
        #expect(description.hasPrefix("no token matches label 'no-such-token'; tokens present: "))
        #expect(description.contains("'ssm-test' (serial "))
        #expect(description.contains("'ssm-wrongpin'"))
    }

    @Test("an unknown serial or slot fails the same way")
    func unknownSerialAndSlot() throws {
        let module = try SoftHSMToken.shared().module()
        defer { module.finalize() }
        let serial = #expect(throws: PKCS11Error.self) { try module.selectToken(.serial("0000")) }
        #expect(serial?.description.hasPrefix("no token matches serial '0000'") == true)
        let slot = #expect(throws: PKCS11Error.self) { try module.selectToken(.slot(987_654)) }
        #expect(slot?.description.hasPrefix("no token matches slot 987654") == true)
    }
}
