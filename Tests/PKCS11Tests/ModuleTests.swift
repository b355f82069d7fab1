import Foundation
import PKCS11
import SoftHSMTestSupport
import Testing

@Suite("Module loading")
struct ModuleTests {
    @Test("a missing library fails with the path and the loader's reason")
    func missingLibrary() throws {
        let path = "/nonexistent/libssm-missing-\(UUID().uuidString).so"
        let error = #expect(throws: PKCS11Error.self) { try PKCS11Module.load(path: path) }
        guard case .loadFailed(let reason)? = error?.kind else {
            Issue.record("expected loadFailed, got \(String(describing: error))")
            return
        }
        #expect(error?.path == path)
        #expect(reason.contains("No such file"))
        #expect(error?.description.contains("cannot load PKCS#11 module at \(path)") == true)
        #expect(error?.description.contains(reason) == true)
    }

    @Test("a library without C_GetFunctionList is not a PKCS#11 module")
    func notAModule() throws {
        let candidates = [
            "/lib/x86_64-linux-gnu/libz.so.1", "/usr/lib/x86_64-linux-gnu/libz.so.1",
            "/lib/aarch64-linux-gnu/libz.so.1", "/usr/lib/aarch64-linux-gnu/libz.so.1", "/usr/lib/libz.1.dylib",
        ]
        let path = try #require(candidates.first { FileManager.default.fileExists(atPath: $0) })
        let error = #expect(throws: PKCS11Error.self) { try PKCS11Module.load(path: path) }
        #expect(error?.kind == .notAPKCS11Module)
        #expect(error?.path == path)
        #expect(error?.description == "cannot load PKCS#11 module at \(path): not a PKCS#11 module (no C_GetFunctionList)")
    }

    @Test("loading the same module twice returns the same instance, also through a symlink")
    func sameInstance() throws {
        let token = try SoftHSMToken.shared()
        let first = try PKCS11Module.load(path: token.modulePath)
        defer { first.finalize() }
        let second = try PKCS11Module.load(path: token.modulePath)
        defer { second.finalize() }
        #expect(first === second)

        let resolved = URL(fileURLWithPath: token.modulePath).resolvingSymlinksInPath().path
        let third = try PKCS11Module.load(path: resolved)
        defer { third.finalize() }
        #expect(third === first)
        #expect(!first.isFinalized)
    }

    @Test("the module describes itself")
    func moduleInfo() throws {
        let module = try SoftHSMToken.shared().module()
        defer { module.finalize() }
        let info = try module.info()
        #expect(info.cryptokiVersion.major == 2)
        #expect(info.manufacturer == "SoftHSM")
        #expect(!info.libraryDescription.isEmpty)
        #expect(!info.libraryDescription.hasSuffix(" "))
    }

    static let openSCModule = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"

    @Test(
        "the last finalize calls C_Finalize; the instance is then unusable and a new load re-initialises",
        .enabled(if: FileManager.default.fileExists(atPath: openSCModule), "needs OpenSC's module")
    )
    func finalizeLifecycle() throws {
        let first = try PKCS11Module.load(path: Self.openSCModule)
        let second = try PKCS11Module.load(path: Self.openSCModule)
        #expect(first === second)
        _ = try first.info()

        first.finalize()
        #expect(!second.isFinalized)
        _ = try second.info()

        second.finalize()
        #expect(second.isFinalized)
        let error = #expect(throws: PKCS11Error.self) { try second.info() }
        #expect(error?.returnValue == .cryptokiNotInitialized)
        #expect(error?.function == "C_GetInfo")
        #expect(error?.errorClass == .deviceLost)
        second.finalize()  // one too many: nothing happens

        let reloaded = try PKCS11Module.load(path: Self.openSCModule)
        defer { reloaded.finalize() }
        #expect(reloaded !== first)
        #expect(try reloaded.info().cryptokiVersion.major == 2)
    }
}
