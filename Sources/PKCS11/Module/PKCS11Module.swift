import CPKCS11
import Synchronization

/// A loaded PKCS#11 module. One instance per resolved path per process (registry with
/// reference counting).
///
/// `C_Initialize` runs once, when a path is first loaded; later ``load(path:)`` calls for the
/// same file return the same instance and count a reference. ``finalize()`` releases one
/// reference; the last one calls `C_Finalize`. After that, every call on this instance (and
/// on its sessions) fails with `CKR_CRYPTOKI_NOT_INITIALIZED`, even once a new instance has
/// initialised the module again, so stale session handles can never reach new sessions.
///
/// The library is never `dlclose`d once initialised: some modules (SoftHSM with OpenSSL)
/// crash at process exit when unloaded.
public final class PKCS11Module: Sendable {
    /// The path the module was first loaded from.
    public let path: String

    /// The registry key: the canonical path.
    let resolvedPath: String
    /// The module's function table.
    let functions: FunctionList
    /// Whether this instance's `C_Initialize` returned `CKR_OK` (not "already initialised"),
    /// so it owns the matching `C_Finalize`.
    private let ownsInitialization: Bool
    /// Set once the last reference is finalised.
    private let finalized = Atomic<Bool>(false)
    /// Serialises the calls that change or index the object store; see
    /// ``serializingObjectStore(_:)``. Process-wide, not per instance: two module instances
    /// (a wrapping module and the one it wraps, as in the tests) can share one object store.
    private static let objectStore = Mutex<Void>(())
    /// Held for reading by every call, for writing by `C_Finalize` (see ``ReadWriteLock``).
    private let calls = ReadWriteLock()

    private init(path: String, resolvedPath: String, functions: FunctionList, ownsInitialization: Bool) {
        self.path = path
        self.resolvedPath = resolvedPath
        self.functions = functions
        self.ownsInitialization = ownsInitialization
    }

    /// `dlopen(path, RTLD_NOW|RTLD_LOCAL)` + `dlsym("C_GetFunctionList")` + `C_Initialize` with
    /// `CKF_OS_LOCKING_OK` (`C_Initialize` once per process).
    /// Loading the same path again returns the same instance and increments a reference count.
    ///
    /// - Throws: ``PKCS11Error/Kind/loadFailed(reason:)`` naming the path and the `dlerror()`
    ///   reason; ``PKCS11Error/Kind/notAPKCS11Module`` when the library has no
    ///   `C_GetFunctionList`; a return-value error from `C_GetFunctionList` or `C_Initialize`.
    public static func load(path: String) throws(PKCS11Error) -> PKCS11Module {
        let resolvedPath = DynamicLibrary.resolve(path)
        return try registry.withLock { (entries) throws(PKCS11Error) -> PKCS11Module in
            if var entry = entries[resolvedPath] {
                entry.references += 1
                entries[resolvedPath] = entry
                return entry.module
            }
            let module = try initialize(path: path, resolvedPath: resolvedPath)
            entries[resolvedPath] = RegistryEntry(module: module, references: 1)
            return module
        }
    }

    /// Decrements the reference count; at zero calls `C_Finalize` (and forgets the instance so
    /// a later load re-initialises). Idempotent per reference: calls beyond the number of
    /// loads do nothing. Errors from `C_Finalize` are ignored: the instance is unusable anyway.
    public func finalize() {
        Self.registry.withLock { entries in
            guard var entry = entries[resolvedPath], entry.module === self else {
                return
            }
            entry.references -= 1
            guard entry.references == 0 else {
                entries[resolvedPath] = entry
                return
            }
            entries[resolvedPath] = nil
            calls.withWriteLock {
                finalized.store(true, ordering: .sequentiallyConsistent)
                if ownsInitialization {
                    _ = try? functions.call("C_Finalize", \.C_Finalize) { $0(nil) }
                }
            }
        }
    }

    /// Gives up this reference for recovery from a lost device: when it is the instance's last
    /// one, calls `C_Finalize` now, so that the next ``load(path:)`` of the path runs
    /// `C_Initialize` again on a fresh instance.
    ///
    /// When other holders remain in the process (a test fixture, another component), the module
    /// is not finalised — their sessions would die with it — and only this reference is
    /// released: the next ``load(path:)`` returns the same, still initialised instance. When
    /// another component initialised the module (``load(path:)`` got
    /// `CKR_CRYPTOKI_ALREADY_INITIALIZED`), it is left to that component likewise.
    ///
    /// `C_Finalize` waits for the calls in flight to return (see ``ReadWriteLock``); afterwards
    /// every call on the instance fails with `CKR_CRYPTOKI_NOT_INITIALIZED`.
    ///
    /// - Throws: the `C_Finalize` error (the device may still be gone); the reference is then
    ///   kept and the instance stays usable, so the call can be repeated.
    ///   `CKR_CRYPTOKI_NOT_INITIALIZED` counts as success.
    public func finalizeForRecovery() throws(PKCS11Error) {
        try Self.registry.withLock { (entries) throws(PKCS11Error) in
            guard var entry = entries[resolvedPath], entry.module === self else { return }
            guard entry.references == 1 else {
                entry.references -= 1
                entries[resolvedPath] = entry
                return
            }
            try calls.withWriteLock { () throws(PKCS11Error) in
                if ownsInitialization {
                    try functions.call("C_Finalize", \.C_Finalize, accepting: [.cryptokiNotInitialized]) { $0(nil) }
                }
                finalized.store(true, ordering: .sequentiallyConsistent)
            }
            entries[resolvedPath] = nil
        }
    }

    /// Whether the last reference has been finalised.
    public var isFinalized: Bool {
        finalized.load(ordering: .sequentiallyConsistent)
    }

    /// Calls a `C_*` function of this module through ``FunctionList/invoke(_:_:accepting:_:)``;
    /// fails with `CKR_CRYPTOKI_NOT_INITIALIZED` once the module has been finalised. Never
    /// overlaps `C_Finalize`.
    @discardableResult
    func call<Function>(
        _ name: String,
        _ function: KeyPath<CK_FUNCTION_LIST, Function?>,
        accepting accepted: [ReturnValue] = [],
        _ body: (Function) -> CK_RV
    ) throws(PKCS11Error) -> ReturnValue {
        try calls.withReadLock { () throws(PKCS11Error) -> ReturnValue in
            guard !isFinalized else {
                throw PKCS11Error.returnValue(.cryptokiNotInitialized, function: name)
            }
            return try functions.call(name, function, accepting: accepted, body)
        }
    }

    /// Runs `body` (a `C_GenerateKey`, `C_CreateObject`, `C_DestroyObject` or
    /// `C_FindObjectsInit`) while no other thread of the process runs one of these through
    /// any module instance.
    ///
    /// SoftHSM's file object store re-indexes the token directory in `C_FindObjectsInit` without
    /// holding its own lock, racing with object creation and destruction in other threads;
    /// the losers fail spuriously with `CKR_GENERAL_ERROR` or `CKR_TEMPLATE_INCONSISTENT`.
    /// Serialising these calls removes the failures. They are rare on the hot path (key
    /// handles are cached); `C_FindObjects`/`C_FindObjectsFinal`, attribute reads and crypto
    /// operations are not serialised.
    @discardableResult
    func serializingObjectStore<Result>(
        _ body: () throws(PKCS11Error) -> Result
    ) throws(PKCS11Error) -> Result {
        try Self.objectStore.withLock { (_) throws(PKCS11Error) -> Result in try body() }
    }

    // MARK: - Loading

    private struct RegistryEntry {
        let module: PKCS11Module
        var references: Int
    }

    /// Loaded modules by canonical path. Loading, initialising and finalising happen under
    /// this lock, so `C_Initialize` and `C_Finalize` of one module never overlap.
    private static let registry = Mutex<[String: RegistryEntry]>([:])

    private static func initialize(path: String, resolvedPath: String) throws(PKCS11Error) -> PKCS11Module {
        let library = try DynamicLibrary.open(path)
        guard let symbol = DynamicLibrary.symbol("C_GetFunctionList", in: library) else {
            DynamicLibrary.close(library)
            throw PKCS11Error(.notAPKCS11Module, path: path)
        }
        let getFunctionList = unsafeBitCast(symbol, to: CK_C_GetFunctionList.self)
        var table: UnsafeMutablePointer<CK_FUNCTION_LIST>?
        do throws(PKCS11Error) {
            try FunctionList.invoke("C_GetFunctionList", getFunctionList) { $0(&table) }
        } catch {
            throw PKCS11Error(error.kind, function: error.function, path: path)
        }
        guard let table else {
            throw PKCS11Error(.returnValue(.generalError), function: "C_GetFunctionList", path: path)
        }
        let functions = FunctionList(table: UnsafePointer(table))
        var arguments = CK_C_INITIALIZE_ARGS()
        arguments.flags = CK_FLAGS(CKF_OS_LOCKING_OK)
        let initialized: ReturnValue
        do throws(PKCS11Error) {
            initialized = try withUnsafeMutablePointer(to: &arguments) { (arguments) throws(PKCS11Error) in
                try functions.call("C_Initialize", \.C_Initialize, accepting: [.cryptokiAlreadyInitialized]) {
                    $0(UnsafeMutableRawPointer(arguments))
                }
            }
        } catch {
            throw PKCS11Error(error.kind, function: error.function, path: path)
        }
        return PKCS11Module(
            path: path,
            resolvedPath: resolvedPath,
            functions: functions,
            ownsInitialization: initialized.isOK
        )
    }
}

extension PKCS11Module: Hashable, CustomStringConvertible {
    /// Identity: one instance per loaded module.
    public static func == (lhs: PKCS11Module, rhs: PKCS11Module) -> Bool {
        lhs === rhs
    }

    /// Hashes the instance's identity.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(ObjectIdentifier(self))
    }

    /// `PKCS#11 module <path>`.
    public var description: String {
        "PKCS#11 module \(path)"
    }
}
