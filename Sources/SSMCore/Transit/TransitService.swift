import Logging
import PKCS11
import Synchronization

/// The Transit keys (named keys with versions, in the manner of Vault's Transit engine) over
/// the HSM's session pool. The wire format (Vault's) is the HTTP adapter's; this is the core.
///
/// - Each version of a key is its own non-extractable token object (a secret key, or a key
///   pair) labelled `ssm-v1/<name>/<version>` with the version as `CKA_ID`.
/// - A key's metadata (type, versions, `minDecryptionVersion`, `deletionAllowed`) is a
///   private token data object (``TransitKeyMetadata``), so a restart keeps it.
/// - Metadata and handles are cached per name; this service's own changes drop the entry at
///   once, and entries expire after `cacheTTL` so that changes made by another process on the
///   same token are seen within that time. A handle the HSM reports invalid drops the entry
///   and the operation is retried once.
/// - Automatic rotation (``TransitAutoRotation``) makes a new version once a key's period has
///   passed since its newest version was created, also after a restart.
/// - Key creation, rotation, configuration and deletion of a name are serialised in this
///   process and claimed across every process sharing the token
///   (``KeyStore/exclusive(_:identity:_:)``), so a name or a version is never created twice
///   and metadata revisions never fork.
/// - A batch runs on one session; an item's failure is reported for that item only.
public final class TransitService: Sendable {
    /// `CKA_APPLICATION` of the metadata objects.
    public static let metadataApplication = "ssm-v1"
    /// The prefix of every object label of this service.
    public static let labelPrefix = "ssm-v1/"

    let store: KeyStore
    let cache: TransitCache
    let logger: Logger
    /// Most items one batch may carry.
    public let maxBatch: Int
    /// Set when a key of this process gets an automatic rotation period, so that
    /// ``TransitAutoRotation`` looks at the keys again at once.
    let autoRotationChanged = Mutex(false)

    /// Creates the service over `store` (the HSM plumbing it shares with the other key
    /// services), logging to `logger` (the store's when nil).
    public init(store: KeyStore, maxBatch: Int = 1000, cacheTTL: Duration = .seconds(60), logger: Logger? = nil) {
        self.store = store
        self.maxBatch = max(1, maxBatch)
        self.logger = logger ?? store.logger
        let cache = TransitCache(ttl: cacheTTL)
        self.cache = cache
        store.hsm.onReconnect { cache.invalidateAll() }
    }

    /// The label of a version's objects.
    static func objectLabel(_ name: String, version: Int) -> String { "\(labelPrefix)\(name)/\(version)" }
    /// The label of a key's metadata object.
    static func metadataLabel(_ name: String) -> String { labelPrefix + name }

    /// Throws ``TransitError/invalidName(_:)`` unless `name` is `[A-Za-z0-9_.-]{1,64}`.
    static func validate(name: String) throws(TransitError) {
        guard TransitLimits.isValidName(name) else { throw .invalidName(name) }
    }

    // MARK: - Resolution

    /// Reads a key's metadata from the token: the highest revision of its metadata objects.
    static func loadMetadata(_ session: borrowing Session, name: String) throws -> (TransitKeyMetadata, [ObjectHandle])? {
        let handles = try session.findDataObjects(application: metadataApplication, label: metadataLabel(name))
        if handles.isEmpty { try KeyStore.requireLogin(session) }
        var best: TransitKeyMetadata?
        for handle in handles {
            guard let metadata = TransitKeyMetadata.decode(try session.dataObject(handle).value) else { continue }
            if best.map({ metadata.revision > $0.revision }) ?? true { best = metadata }
        }
        return best.map { ($0, handles) }
    }

    /// The cached entry of `name`, loading it when absent or expired.
    func resolve(_ session: borrowing Session, name: String) throws -> TransitCacheEntry {
        if let entry = cache.value(for: name) { return entry }
        let ticket = cache.ticket()
        guard let (metadata, _) = try Self.loadMetadata(session, name: name) else {
            throw TransitError.keyNotFound(name: name)
        }
        let entry = TransitCacheEntry(metadata: metadata)
        cache.store(entry, for: name, ticket: ticket)
        return entry
    }

    /// The objects of one version (through the cache).
    func handles(_ session: borrowing Session, entry: TransitCacheEntry, version: Int) throws -> VersionHandles {
        let name = entry.metadata.name
        guard version >= 1, version <= entry.metadata.latestVersion else {
            throw TransitError.versionNotFound(name: name, version: version)
        }
        // The entry's own copy first: a batch resolves its entry once and then takes no lock
        // per item (ten pool threads contending for the cache's lock cost a fifth of a batch).
        if let handles = entry.handles[version] ?? cache.value(for: name)?.handles[version] { return handles }
        let ticket = cache.ticket()
        let label = Self.objectLabel(name, version: version)
        let id = KeyID(Int32(version))
        let found: VersionHandles
        if entry.metadata.type.isAsymmetric {
            guard let privateKey = try session.findObjects(.privateKey, label: label, id: id).first,
                let publicKey = try session.findObjects(.publicKey, label: label, id: id).first
            else { throw TransitError.versionNotFound(name: name, version: version) }
            found = VersionHandles(secret: nil, privateKey: privateKey, publicKey: publicKey)
        } else {
            guard let secret = try session.findObjects(.secretKey, label: label, id: id).first else {
                throw TransitError.versionNotFound(name: name, version: version)
            }
            found = VersionHandles(secret: secret, privateKey: nil, publicKey: nil)
        }
        cache.update(name, ticket: ticket) { $0.handles[version] = found }
        return found
    }

    // MARK: - Running

    /// Runs `body` for each item on one session, after resolving the key once. Errors of an
    /// item that concern only that item (``TransitError``, bad input refused by the HSM) are
    /// its result; others fail the whole call. When the HSM reports a stale handle, the cache
    /// entry is dropped and the whole batch runs once more.
    func runBatch<Item: Sendable, Output: Sendable>(
        _ operation: Operation, name: String, items: [Item],
        _ body: @escaping @Sendable (borrowing Session, TransitCacheEntry, Item) throws -> Output
    ) async throws -> [Result<Output, TransitError>] {
        try Self.validate(name: name)
        guard items.count <= maxBatch else { throw TransitError.batchTooLarge(limit: maxBatch) }
        let cache = self.cache
        return try await store.run(operation, calls: items.count) { session in
            func attempt(_ session: borrowing Session) throws -> [Result<Output, TransitError>] {
                let entry = try self.resolve(session, name: name)
                var results: [Result<Output, TransitError>] = []
                results.reserveCapacity(items.count)
                for item in items {
                    do {
                        results.append(.success(try body(session, entry, item)))
                    } catch let error as TransitError {
                        results.append(.failure(error))
                    } catch let error as PKCS11Error where error.errorClass == .badInput {
                        results.append(.failure(Self.itemError(error)))
                    }
                }
                return results
            }
            do {
                return try attempt(session)
            } catch let error as PKCS11Error where error.errorClass == .objectProblem {
                cache.invalidate(name)
                return try attempt(session)
            }
        }
    }

    /// Runs a single item: the batch of one, its error thrown.
    func runOne<Item: Sendable, Output: Sendable>(
        _ operation: Operation, name: String, item: Item,
        _ body: @escaping @Sendable (borrowing Session, TransitCacheEntry, Item) throws -> Output
    ) async throws -> Output {
        guard let result = try await runBatch(operation, name: name, items: [item], body).first else {
            throw TransitError.invalidArgument("no result")
        }
        return try result.get()
    }

    static func itemError(_ error: PKCS11Error) -> TransitError {
        if case .invalidArgument(let message) = error.kind { return .invalidArgument(message) }
        return .rejected(error.returnValue?.name ?? "\(error.kind)")
    }

    /// Checks that `version` may decrypt or verify: it exists and is not below the minimum.
    static func checkReadable(_ metadata: TransitKeyMetadata, version: Int) throws(TransitError) {
        guard version >= metadata.minAvailable, version <= metadata.latestVersion else {
            throw .versionNotFound(name: metadata.name, version: version)
        }
        guard version >= metadata.minDecryptionVersion else {
            throw .versionDisabled(name: metadata.name, version: version, minimum: metadata.minDecryptionVersion)
        }
    }

    /// The version to encrypt, sign or MAC with: `requested` (readable, and not below
    /// `minEncryptionVersion`) or the newest.
    static func writeVersion(_ metadata: TransitKeyMetadata, requested: Int?) throws(TransitError) -> Int {
        guard let requested, requested != 0 else { return metadata.latestVersion }
        try checkReadable(metadata, version: requested)
        guard requested >= metadata.minEncryption else {
            throw .invalidArgument(
                "version \(requested) of key '\(metadata.name)' is below its minimum encryption version \(metadata.minEncryption)")
        }
        return requested
    }
}

/// The token objects of one key version.
struct VersionHandles: Sendable, Hashable {
    /// The secret key (AES, HMAC).
    var secret: ObjectHandle?
    /// The private key (asymmetric types).
    var privateKey: ObjectHandle?
    /// The public key (asymmetric types).
    var publicKey: ObjectHandle?
}
