import Foundation
import PKCS11
import SoftHSMTestSupport
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The fault-injecting module (`Tests/FaultInjection`) in front of the shared SoftHSM: that
/// calls are forwarded, that rules inject the codes they name from the call, for the calls and
/// in the window they name, that delays delay, and that open sessions are counted.
///
/// Serialized: the module reads its control and statistics paths from the environment, which
/// is process-wide. Each test loads its own copy of the library (its own `dlopen` handle and
/// state) with its own control and statistics files, and rewrites its control file between
/// steps.
@Suite("Fault-injecting PKCS#11 module", .serialized)
struct FaultInjectionTests {
    @Test("forwards every call to SoftHSM: token, session, login, random bytes, session count")
    func forwardsCalls() throws {
        let fixture = try FaultyModuleFixture()
        defer { fixture.tearDown() }
        let module = try fixture.load()

        #expect(try module.info().manufacturer == "SoftHSM")
        let token = try module.selectToken(.label(fixture.token.label))
        #expect(token.manufacturer == "SoftHSM project")
        let handle = try module.openSession(slot: token.slot)
        #expect(try fixture.openSessions() == 1)
        try Session(handle).login(pin: fixture.token.pinBytes)
        #expect(try Session(handle).info().state == .readWriteUser)
        let first = try Session(handle).generateRandom(count: 32)
        let second = try Session(handle).generateRandom(count: 32)
        #expect(first.count == 32)
        #expect(second.count == 32)
        #expect(first != second)
        try handle.close()
        #expect(try fixture.openSessions() == 0)
        #expect(try fixture.openSessionsBySymbol() == 0)
    }

    @Test("CKR_DEVICE_REMOVED from the second C_GenerateRandom on is a deviceLost PKCS11Error")
    func deviceRemovedFromSecondCall() throws {
        let fixture = try FaultyModuleFixture()
        defer { fixture.tearDown() }
        let handle = try fixture.openLoggedInSession()

        try fixture.setRules("C_GenerateRandom CKR_DEVICE_REMOVED after=2\n")
        #expect(try Session(handle).generateRandom(count: 16).count == 16)
        let error = try #require(throws: PKCS11Error.self) {
            try Session(handle).generateRandom(count: 16)
        }
        #expect(error.returnValue == .deviceRemoved)
        #expect(error.errorClass == .deviceLost)
        #expect(error.function == "C_GenerateRandom")
        // Without a count the rule keeps firing; other functions still reach SoftHSM.
        #expect(outcome { _ = try Session(handle).generateRandom(count: 16) } == .deviceRemoved)
        #expect(outcome { _ = try Session(handle).info() } == .ok)

        try fixture.setRules("")
        #expect(outcome { _ = try Session(handle).generateRandom(count: 16) } == .ok)
        try handle.close()
        #expect(try fixture.openSessions() == 0)
    }

    @Test("count=M makes exactly M calls fail, from the after=N-th")
    func countLimitsFailures() throws {
        let fixture = try FaultyModuleFixture()
        defer { fixture.tearDown() }
        let handle = try fixture.openLoggedInSession()
        defer { try? handle.close() }
        let random = { () throws in _ = try Session(handle).generateRandom(count: 8) }

        try fixture.setRules("C_GenerateRandom CKR_SESSION_HANDLE_INVALID count=1\n")
        #expect((1...4).map { _ in outcome(random) } == [.sessionHandleInvalid, .ok, .ok, .ok])

        try fixture.setRules("C_GenerateRandom CKR_USER_NOT_LOGGED_IN after=2 count=2\n")
        #expect((1...5).map { _ in outcome(random) } == [.ok, .userNotLoggedIn, .userNotLoggedIn, .ok, .ok])

        try fixture.setRules("C_GenerateRandom CKR_SESSION_CLOSED count=1\n")
        let error = try #require(throws: PKCS11Error.self) { try random() }
        #expect(error.returnValue == .sessionClosed)
        #expect(error.errorClass == .sessionLost)
        #expect(outcome(random) == .ok)
    }

    @Test("an injected C_OpenSession failure surfaces with its class and opens no session", arguments: InjectedCode.all)
    func openSessionFailure(_ injected: InjectedCode) throws {
        let fixture = try FaultyModuleFixture()
        defer { fixture.tearDown() }
        let module = try fixture.load()
        let slot = try module.selectToken(.label(fixture.token.label)).slot

        try fixture.setRules("C_OpenSession \(injected.name) count=1\n")
        let error = try #require(throws: PKCS11Error.self) {
            _ = try module.openSession(slot: slot)
        }
        #expect(error.returnValue == injected.returnValue)
        #expect(error.errorClass == injected.errorClass)
        #expect(error.function == "C_OpenSession")
        #expect(try fixture.openSessions() == 0)

        let handle = try module.openSession(slot: slot)
        #expect(try fixture.openSessions() == 1)
        try handle.close()
        #expect(try fixture.openSessions() == 0)
    }

    @Test("delay_ms adds at least that latency, with OK (then forwarded) or with a code")
    func delays() throws {
        let fixture = try FaultyModuleFixture()
        defer { fixture.tearDown() }
        let handle = try fixture.openLoggedInSession()
        defer { try? handle.close() }
        let clock = ContinuousClock()

        try fixture.setRules("C_GenerateRandom OK delay_ms=150\n")
        var bytes: [UInt8] = []
        let delayed = try clock.measure { bytes = try Session(handle).generateRandom(count: 16) }
        #expect(bytes.count == 16)
        #expect(delayed >= .milliseconds(150))

        try fixture.setRules("C_GetSessionInfo CKR_DEVICE_ERROR delay_ms=100 count=1\n")
        var result: ReturnValue?
        let failed = clock.measure { result = outcome { _ = try Session(handle).info() } }
        #expect(result == .deviceError)
        #expect(failed >= .milliseconds(100))
        #expect(outcome { _ = try Session(handle).info() } == .ok)
    }

    @Test("from_ms/until_ms limit a rule to a window after the rules are loaded")
    func timeWindow() throws {
        let fixture = try FaultyModuleFixture()
        defer { fixture.tearDown() }
        let handle = try fixture.openLoggedInSession()
        defer { try? handle.close() }
        let clock = ContinuousClock()
        let random = { () throws in _ = try Session(handle).generateRandom(count: 8) }

        // The rules load at the first call after the rewrite: that call is at ~0 ms.
        try fixture.setRules("C_GenerateRandom CKR_TOKEN_NOT_PRESENT until_ms=300\n")
        var start = clock.now
        #expect(outcome(random) == .tokenNotPresent)
        clock.sleepUntil(start + .milliseconds(700))
        #expect(outcome(random) == .ok)

        try fixture.setRules("C_GenerateRandom CKR_TOKEN_NOT_PRESENT from_ms=1000\n")
        start = clock.now
        #expect(outcome(random) == .ok)
        clock.sleepUntil(start + .milliseconds(1500))
        #expect(outcome(random) == .tokenNotPresent)
        #expect(outcome(random) == .tokenNotPresent)
    }

    @Test("the open-session count follows opens and closes, and shows a session a failed close leaked")
    func sessionCount() throws {
        let fixture = try FaultyModuleFixture()
        defer { fixture.tearDown() }
        let module = try fixture.load()
        #expect(try fixture.openSessions() == 0)  // written at load
        let slot = try module.selectToken(.label(fixture.token.label)).slot

        let handles = try (0..<3).map { _ in try module.openSession(slot: slot) }
        #expect(try fixture.openSessions() == 3)
        #expect(try fixture.openSessionsBySymbol() == 3)
        try handles[0].close()
        #expect(try fixture.openSessions() == 2)

        // An injected failure never reaches SoftHSM: the session stays open, and counted.
        try fixture.setRules("C_CloseSession CKR_DEVICE_ERROR count=1\n")
        #expect(throws: PKCS11Error.self) { try handles[1].close() }
        #expect(try fixture.openSessions() == 2)
        try handles[1].close()
        try handles[2].close()
        #expect(try fixture.openSessions() == 0)
        #expect(try fixture.openSessionsBySymbol() == 0)
    }

    @Test("C_Finalize closes the module's own sessions and leaves the shared SoftHSM initialised")
    func finalizeLeavesSoftHSM() throws {
        let fixture = try FaultyModuleFixture()
        defer { fixture.tearDown() }
        let module = try fixture.load()
        let slot = try module.selectToken(.label(fixture.token.label)).slot
        _ = try module.openSession(slot: slot)
        _ = try module.openSession(slot: slot)
        #expect(try fixture.openSessions() == 2)

        module.finalize()
        #expect(try fixture.openSessions() == 0)
        // SoftHSM, initialised by the fixture, is still usable.
        let bytes = try fixture.token.withLoggedInSession { session in try session.generateRandom(count: 8) }
        #expect(bytes.count == 8)

        // Loading the same copy again initialises the faulty module again.
        let again = try fixture.load()
        #expect(again !== module)
        #expect(try again.info().manufacturer == "SoftHSM")
        let handle = try again.openSession(slot: slot)
        #expect(try fixture.openSessions() == 1)
        try handle.close()
        #expect(try fixture.openSessions() == 0)
    }

    @Test("`*` matches every function; unknown functions, codes and options are ignored")
    func wildcardAndUnknownNames() throws {
        let fixture = try FaultyModuleFixture()
        defer { fixture.tearDown() }
        let module = try fixture.load()

        try fixture.setRules(
            """
            # Ignored with a message on stderr: unknown function, unknown code, unknown option.
            C_NoSuchFunction CKR_DEVICE_ERROR
            C_GetInfo CKR_NO_SUCH_CODE
            C_GetInfo CKR_DEVICE_ERROR colour=blue
            * CKR_DEVICE_ERROR after=2 count=2

            """
        )
        #expect(outcome { _ = try module.info() } == .ok)
        #expect(outcome { _ = try module.slots() } == .deviceError)
        #expect(outcome { _ = try module.info() } == .deviceError)
        #expect(outcome { _ = try module.info() } == .ok)
        #expect(outcome { _ = try module.slots() } == .ok)
    }

    @Test("rules from FAULTY_PKCS11_RULES apply from the load, C_Initialize included")
    func environmentRules() throws {
        let fixture = try FaultyModuleFixture(
            environmentRules: "C_Initialize CKR_DEVICE_ERROR count=1; C_GetInfo DEVICE_REMOVED count=1"
        )
        defer { fixture.tearDown() }

        let error = try #require(throws: PKCS11Error.self) { _ = try fixture.load() }
        #expect(error.returnValue == .deviceError)
        #expect(error.function == "C_Initialize")

        let module = try fixture.load()
        #expect(outcome { _ = try module.info() } == .deviceRemoved)
        #expect(outcome { _ = try module.info() } == .ok)
    }
    @Test("finalizeForRecovery: another holder keeps the module initialised; the last one finalises it and the next load initialises anew")
    func finalizeForRecovery() throws {
        let fault = try FaultyModuleFixture()
        defer { fault.tearDown() }
        let first = try fault.load()
        let second = try PKCS11Module.load(path: fault.libraryPath)
        #expect(first === second)
        try second.finalizeForRecovery()
        #expect(!first.isFinalized)
        let session = try first.openSession(slot: first.selectToken(.label(fault.token.label)).slot)
        #expect(try fault.openSessions() == 1)
        try first.finalizeForRecovery()
        #expect(first.isFinalized)
        #expect(try fault.openSessions() == 0)  // C_Finalize closed it
        #expect(throws: PKCS11Error.self) { try session.close() }
        let fresh = try PKCS11Module.load(path: fault.libraryPath)
        #expect(fresh !== first && !fresh.isFinalized)
        #expect(try fresh.selectToken(.label(fault.token.label)).label == fault.token.label)
        fresh.finalize()
    }

}

// MARK: - Fixture

/// A code the fault module injects, and what the PKCS#11 layer must make of it.
struct InjectedCode: Sendable, CustomTestStringConvertible {
    let name: String
    let returnValue: ReturnValue
    let errorClass: PKCS11ErrorClass

    var testDescription: String { name }

    /// The codes issue 6 names.
    static let all: [InjectedCode] = [
        InjectedCode(name: "CKR_DEVICE_REMOVED", returnValue: .deviceRemoved, errorClass: .deviceLost),
        InjectedCode(name: "CKR_TOKEN_NOT_PRESENT", returnValue: .tokenNotPresent, errorClass: .deviceLost),
        InjectedCode(name: "CKR_SESSION_HANDLE_INVALID", returnValue: .sessionHandleInvalid, errorClass: .sessionLost),
        InjectedCode(name: "CKR_SESSION_CLOSED", returnValue: .sessionClosed, errorClass: .sessionLost),
        InjectedCode(name: "CKR_USER_NOT_LOGGED_IN", returnValue: .userNotLoggedIn, errorClass: .loginLost),
        InjectedCode(name: "CKR_DEVICE_ERROR", returnValue: .deviceError, errorClass: .deviceLost),
        InjectedCode(name: "CKR_SESSION_COUNT", returnValue: .sessionCount, errorClass: .resourceExhausted),
    ]
}

/// `.ok` when `body` succeeds, else the return value of the `PKCS11Error` it throws (nil, and
/// an issue, for any other error).
private func outcome(_ body: () throws -> Void) -> ReturnValue? {
    do {
        try body()
        return .ok
    } catch let error as PKCS11Error {
        return error.returnValue
    } catch {
        Issue.record(error)
        return nil
    }
}

extension ContinuousClock {
    fileprivate func sleepUntil(_ deadline: Instant) {
        let remaining = now.duration(to: deadline)
        if remaining > .zero {
            let (seconds, attoseconds) = remaining.components
            Thread.sleep(forTimeInterval: Double(seconds) + Double(attoseconds) / 1e18)
        }
    }

}
