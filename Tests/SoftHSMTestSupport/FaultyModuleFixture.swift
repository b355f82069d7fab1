import Foundation
import PKCS11
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A failure of the fault-module fixture itself.
public struct FaultFixtureError: Error, CustomStringConvertible {
    public let description: String
}

/// One test's copy of the fault-injecting library, with its own control and statistics files,
/// in a temporary directory removed by ``tearDown()``.
public final class FaultyModuleFixture {
    /// The shared SoftHSM fixture (prepared first, so SoftHSM is initialised with its
    /// configuration and the faulty module never owns the initialisation).
    public let token: SoftHSMToken
    public let directory: String
    public let libraryPath: String
    public let controlPath: String
    public let statsPath: String
    /// Rules for `FAULTY_PKCS11_RULES`, read at the first load.
    private let environmentRules: String?
    /// The modules loaded, finalised by ``tearDown()``.
    private var loaded: [PKCS11Module] = []

    public init(environmentRules: String? = nil) throws {
        token = try SoftHSMToken.shared()
        let library = try FaultModuleBuild.library()
        directory = try TestFiles.makeTemporaryDirectory("ssm-fault-test")
        libraryPath = directory + "/libfaulty_pkcs11.so"
        controlPath = directory + "/control"
        statsPath = directory + "/stats"
        self.environmentRules = environmentRules
        try FileManager.default.copyItem(atPath: library, toPath: libraryPath)
        try setRules("")
    }

    /// Loads the copy through the PKCS#11 layer (a new module instance, since no other test
    /// loads this path). The environment is read at the copy's first load only.
    public func load() throws -> PKCS11Module {
        // The environment is process-wide and read at the first load: no other fixture may
        // change it between our setenv and that load.
        try Self.loading.withLock { _ in try loadLocked() }
    }

    private static let loading = Mutex(())

    private func loadLocked() throws -> PKCS11Module {
        setenv("FAULTY_PKCS11_TARGET", token.modulePath, 1)
        setenv("FAULTY_PKCS11_CONTROL", controlPath, 1)
        setenv("FAULTY_PKCS11_STATS", statsPath, 1)
        if let environmentRules {
            setenv("FAULTY_PKCS11_RULES", environmentRules, 1)
        } else {
            unsetenv("FAULTY_PKCS11_RULES")
        }
        defer { unsetenv("FAULTY_PKCS11_RULES") }
        let module = try PKCS11Module.load(path: libraryPath)
        loaded.append(module)
        return module
    }

    /// Loads the module and opens a logged-in session on the test token. A session the test
    /// does not close is closed by the module's `C_Finalize` in ``tearDown()`` (never close a
    /// handle twice: SoftHSM reuses handles, the second close could hit another test's session).
    public func openLoggedInSession() throws -> SessionHandle {
        let module = try load()
        let slot = try module.selectToken(.label(token.label)).slot
        let handle = try module.openSession(slot: slot)
        try Session(handle).login(pin: token.pinBytes)
        return handle
    }

    /// Replaces the control file's content atomically (a new file renamed over the old one),
    /// so the module reloads it at its next call.
    public func setRules(_ rules: String) throws {
        try control.setRules(rules)
    }

    /// `N` from the statistics file's `open_sessions=N`.
    public func openSessions() throws -> Int {
        try control.openSessions()
    }

    /// The control and statistics files, to hand to concurrent code.
    public var control: FaultControl {
        FaultControl(controlPath: controlPath, statsPath: statsPath, libraryPath: libraryPath)
    }

    /// The library's exported `faulty_open_sessions()`.
    public func openSessionsBySymbol() throws -> Int {
        guard let library = dlopen(libraryPath, RTLD_NOW | RTLD_NOLOAD) else {
            throw FaultFixtureError(description: "\(libraryPath) is not loaded")
        }
        defer { dlclose(library) }
        guard let symbol = dlsym(library, "faulty_open_sessions") else {
            throw FaultFixtureError(description: "\(libraryPath) has no faulty_open_sessions")
        }
        typealias OpenSessions = @convention(c) () -> UInt
        return Int(unsafeBitCast(symbol, to: OpenSessions.self)())
    }

    /// The calls made through this copy to `function` (`"C_Login"`), faulted ones included.
    public func calls(_ function: String) throws -> Int {
        try control.calls(function)
    }

    /// Releases the fixture's own references to the module (after ``load()`` has set the
    /// environment and an `HSM` loaded the module too), so that the `HSM` is its only holder and
    /// its recovery really finalises and re-initialises it.
    public func releaseLoads() {
        for module in loaded {
            module.finalize()
        }
        loaded = []
    }

    /// Finalises what it loaded (the faulty module's `C_Finalize` closes the sessions still open
    /// through it, and only those) and removes the directory (the library stays mapped: modules
    /// are never unloaded).
    public func tearDown() {
        for module in loaded {
            module.finalize()
        }
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// Builds the library once per test process with `scripts/build-fault-module.sh`, into a
/// temporary directory removed at exit.
public enum FaultModuleBuild {
    /// The built library's path.
    public static func library() throws -> String {
        try built.get()
    }

    private static let built: Result<String, any Error> = Result { try build() }

    private static func build() throws -> String {
        let directory = try TestFiles.makeTemporaryDirectory("ssm-fault-build")
        TestFiles.removeAtExit(directory)
        let script = TestFiles.repositoryRoot.appendingPathComponent("scripts/build-fault-module.sh").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script, directory]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let path = text.split(separator: "\n").last.map(String.init) ?? ""
        guard process.terminationStatus == 0, FileManager.default.fileExists(atPath: path) else {
            throw FaultFixtureError(
                description: "\(script) failed (status \(process.terminationStatus)): \(text)"
            )
        }
        return path
    }
}

/// The control and statistics files of a ``FaultyModuleFixture``: a value that can cross tasks.
public struct FaultControl: Sendable {
    public let controlPath: String
    public let statsPath: String
    public let libraryPath: String

    /// Replaces the control file's content atomically (a new file renamed over the old one),
    /// so the module reloads it at its next call.
    public func setRules(_ rules: String) throws {
        try Data(rules.utf8).write(to: URL(fileURLWithPath: controlPath), options: .atomic)
    }

    /// `N` from the statistics file's `open_sessions=N`.
    public func openSessions() throws -> Int {
        let text = try String(contentsOfFile: statsPath, encoding: .utf8)
        guard text.hasPrefix("open_sessions="), text.hasSuffix("\n"),
            let count = Int(text.dropFirst("open_sessions=".count).dropLast())
        else {
            throw FaultFixtureError(description: "unexpected statistics in \(statsPath): \(text.debugDescription)")
        }
        return count
    }

    /// The calls made through the library to `function` (`"C_Login"`), faulted ones included:
    /// its exported `faulty_call_count()`.
    public func calls(_ function: String) throws -> Int {
        guard let library = dlopen(libraryPath, RTLD_NOW | RTLD_NOLOAD) else {
            throw FaultFixtureError(description: "\(libraryPath) is not loaded")
        }
        defer { dlclose(library) }
        guard let symbol = dlsym(library, "faulty_call_count") else {
            throw FaultFixtureError(description: "\(libraryPath) has no faulty_call_count")
        }
        typealias CallCount = @convention(c) (UnsafePointer<CChar>?) -> UInt64
        return Int(function.withCString { unsafeBitCast(symbol, to: CallCount.self)($0) })
    }
}
