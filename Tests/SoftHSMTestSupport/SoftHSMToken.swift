import Foundation
import PKCS11
import SoftHSMSetup
import Synchronization

/// A SoftHSM token directory shared by the whole test process.
///
/// Swift Testing runs suites in parallel in one process, and SoftHSM reads `SOFTHSM2_CONF`
/// once, at `C_Initialize`: so one directory is prepared once per process, holding three tokens
/// ("ssm-test", "ssm-wrongpin", "ssm-pinchange" and "ssm-census", all with user PIN "1234"), `SOFTHSM2_CONF` is set before
/// the module is first loaded, and the fixture keeps one reference to the module for the life
/// of the process (tests that ``PKCS11Module/finalize()`` their own loads never unload it).
///
/// "ssm-wrongpin" is never logged in with its right PIN, so a wrong-PIN login there always
/// reaches the token (login state is per token per process). The directory is removed at exit
/// unless `SSM_TEST_KEEP_TOKEN` is set.
public final class SoftHSMToken: Sendable {
    /// The PKCS#11 module: `SSM_TEST_MODULE`, or `/usr/lib/softhsm/libsofthsm2.so`.
    public let modulePath: String
    /// The token directory (holds `softhsm2.conf` and `tokens/`).
    public let directory: String
    /// The label of the token tests use.
    public let label = "ssm-test"
    /// The user PIN of the tokens.
    public let pin = "1234"
    /// The label of the token that is never logged in.
    public let wrongPinLabel = "ssm-wrongpin"
    /// The label of the token whose PIN one test changes (no other test may use it).
    public let pinChangeLabel = "ssm-pinchange"
    /// The label of the token whose keys one test counts (no other test may use it).
    public let censusLabel = "ssm-census"

    /// The module reference the fixture holds for the life of the process.
    private let loadedModule: PKCS11Module

    /// A session on the test token that stays open (and logged in) for the life of the process.
    private let keepAlive: SessionHandle

    private init(modulePath: String, directory: String, module: PKCS11Module, keepAlive: SessionHandle) {
        self.modulePath = modulePath
        self.directory = directory
        self.loadedModule = module
        self.keepAlive = keepAlive
    }

    /// The fixture, prepared on first use (thread-safe, once per process).
    public static func shared() throws -> SoftHSMToken {
        try instance.get()
    }

    /// The module, loaded through the registry (the same instance every time; each call adds a
    /// reference that the caller may balance with ``PKCS11Module/finalize()``).
    public func module() throws -> PKCS11Module {
        try PKCS11Module.load(path: modulePath)
    }

    /// The user PIN as bytes.
    public var pinBytes: [UInt8] {
        Array(pin.utf8)
    }

    /// The test token's information.
    public func tokenInfo() throws -> TokenInfo {
        try loadedModule.selectToken(.label(label))
    }

    /// Opens a read/write session on the test token, logs in, runs `body`, closes the session.
    public func withLoggedInSession<R>(_ body: (borrowing Session) throws -> R) throws -> R {
        let token = try tokenInfo()
        let handle = try loadedModule.openSession(slot: token.slot)
        defer { try? handle.close() }
        let session = Session(handle)
        try session.login(pin: pinBytes)
        return try body(session)
    }

    // MARK: - Preparation

    private static let instance: Result<SoftHSMToken, any Error> = Result { try prepare() }

    private static func prepare() throws -> SoftHSMToken {
        let environment = ProcessInfo.processInfo.environment
        let modulePath = environment["SSM_TEST_MODULE"].flatMap { $0.isEmpty ? nil : $0 }
            ?? "/usr/lib/softhsm/libsofthsm2.so"
        let directory = try TestFiles.makeTemporaryDirectory("ssm-softhsm")
        if environment["SSM_TEST_KEEP_TOKEN"] == nil {
            TestFiles.removeAtExit(directory)
        }
        // The layout of `ssm token init`; its OpenSSL configuration (single DES) unless the
        // environment names one.
        let layout = try SoftHSMDirectory.prepare(directory)
        let module = try layout.loadModule(modulePath)
        for label in ["ssm-test", "ssm-wrongpin", "ssm-pinchange", "ssm-census"] {
            try layout.ensureToken(label: label, pin: Array("1234".utf8), soPIN: { Array("12345678".utf8) }, in: module)
        }
        // Keep one logged-in session open for the life of the process, as the pool does:
        // SoftHSM forgets the login and every object handle of a token when its last session
        // closes, which would pull keys from under tests running in parallel.
        let token = try module.selectToken(.label("ssm-test"))
        let keepAlive = try module.openSession(slot: token.slot)
        try Session(keepAlive).login(pin: Array("1234".utf8))
        return SoftHSMToken(modulePath: modulePath, directory: layout.path, module: module, keepAlive: keepAlive)
    }
}

/// A failure to prepare the SoftHSM fixture.
public struct SoftHSMTokenError: Error, CustomStringConvertible {
    /// What failed.
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}
