import PKCS11
import SoftHSMTestSupport
import Testing

@Suite("Sessions and login")
struct SessionTests {
    @Test("a session opens read/write or read-only, reports its state and closes")
    func openInfoClose() throws {
        let token = try SoftHSMToken.shared()
        let module = try token.module()
        defer { module.finalize() }
        // The never-logged-in token: its sessions are public whatever other tests do.
        let slot = try module.selectToken(.label(token.wrongPinLabel)).slot

        let readWrite = try module.openSession(slot: slot)
        #expect(readWrite.slot == slot)
        #expect(readWrite.module === module)
        let info = try Session(readWrite).info()
        #expect(info.slot == slot)
        #expect(info.state == .readWritePublic)
        #expect(info.readWrite)
        #expect(info.deviceError == 0)
        try readWrite.close()

        let readOnly = try module.openSession(slot: slot, readWrite: false)
        defer { try? readOnly.close() }
        let readOnlyInfo = try Session(readOnly).info()
        #expect(readOnlyInfo.state == .readOnlyPublic)
        #expect(!readOnlyInfo.readWrite)
        #expect(readOnly != readWrite)
    }

    @Test("closing a session twice is not an error; using it after close is sessionLost")
    func closeTwice() throws {
        let token = try SoftHSMToken.shared()
        let module = try token.module()
        defer { module.finalize() }
        let slot = try module.selectToken(.label(token.wrongPinLabel)).slot
        let handle = try module.openSession(slot: slot)
        try handle.close()
        try handle.close()
        let error = #expect(throws: PKCS11Error.self) { try Session(handle).info() }
        #expect(error?.errorClass == .sessionLost)
        #expect(error?.function == "C_GetSessionInfo")
    }

    @Test("a wrong PIN fails with CKR_PIN_INCORRECT, class badInput, without showing the PIN")
    func wrongPIN() throws {
        let token = try SoftHSMToken.shared()
        let module = try token.module()
        defer { module.finalize() }
        let slot = try module.selectToken(.label(token.wrongPinLabel)).slot
        let handle = try module.openSession(slot: slot)
        defer { try? handle.close() }

        let wrongPIN = "93175-wrong"
        let error = #expect(throws: PKCS11Error.self) { try Session(handle).login(pin: Array(wrongPIN.utf8)) }
        #expect(error?.returnValue == .pinIncorrect)
        #expect(error?.errorClass == .badInput)
        #expect(error?.function == "C_Login")
        #expect(error?.description == "C_Login failed: CKR_PIN_INCORRECT (0xa0)")
        #expect(error?.description.contains(wrongPIN) == false)
        #expect(String(describing: error).contains(wrongPIN) == false)
        #expect(String(reflecting: error).contains(wrongPIN) == false)
        #expect(try Session(handle).info().state == .readWritePublic)
    }

    @Test("logging in twice succeeds (the token is already logged in)")
    func loginTwice() throws {
        let token = try SoftHSMToken.shared()
        let module = try token.module()
        defer { module.finalize() }
        let slot = try token.tokenInfo().slot
        let first = try module.openSession(slot: slot)
        defer { try? first.close() }
        let second = try module.openSession(slot: slot)
        defer { try? second.close() }

        try Session(first).login(pin: token.pinBytes)
        try Session(first).login(pin: token.pinBytes)
        try Session(second).login(pin: token.pin)
        #expect(try Session(first).info().state == .readWriteUser)
        #expect(try Session(second).info().state == .readWriteUser)
        #expect(try Session(second).info().state.isLoggedIn)
    }

    @Test("logout leaves the session public; SoftHSM accepts it when nobody is logged in")
    func logoutWithoutLogin() throws {
        let token = try SoftHSMToken.shared()
        let module = try token.module()
        defer { module.finalize() }
        // Never on the test token: logging out there would log out every test running in parallel.
        let slot = try module.selectToken(.label(token.wrongPinLabel)).slot
        let handle = try module.openSession(slot: slot)
        defer { try? handle.close() }
        try Session(handle).logout()
        #expect(try Session(handle).info().state == .readWritePublic)
    }

    @Test("withLoggedInSession lends a logged-in session")
    func fixtureSession() throws {
        let state = try SoftHSMToken.shared().withLoggedInSession { session in
            try session.info().state
        }
        #expect(state == .readWriteUser)
    }
}
