import Crypto
import PKCS11

extension TransitService {
    /// RSA signature padding.
    public enum RSAPadding: String, Sendable {
        /// RSASSA-PSS, MGF1 with the signature's hash, salt as long as the digest.
        case pss
        /// RSASSA-PKCS1-v1_5.
        case pkcs1v15
    }

    /// How ECDSA signatures are encoded.
    public enum SignatureMarshaling: String, Sendable {
        /// DER `ECDSA-Sig-Value` (OpenSSL's, and Vault's default).
        case asn1
        /// Raw `r ‖ s` (JWS `ES256`).
        case jws
    }

    /// The options of a signature or HMAC.
    public struct SignatureOptions: Sendable {
        /// The hash (`sha2-256` by default).
        public var hash: DigestAlgorithm
        /// Whether the input is already the digest (its length must match the hash).
        public var prehashed: Bool
        /// RSA padding (PSS by default).
        public var padding: RSAPadding
        /// ECDSA encoding (ASN.1 by default).
        public var marshaling: SignatureMarshaling

        /// Creates options.
        public init(
            hash: DigestAlgorithm = .sha256, prehashed: Bool = false, padding: RSAPadding = .pss,
            marshaling: SignatureMarshaling = .asn1
        ) {
            self.hash = hash
            self.prehashed = prehashed
            self.padding = padding
            self.marshaling = marshaling
        }
    }

    /// A signature's result.
    public struct Signature: Sendable, Hashable {
        /// `ssm:v<N>:<base64(signature)>`.
        public var signature: String
        /// The version that signed.
        public var version: Int
    }

    /// An HMAC's result.
    public struct MAC: Sendable, Hashable {
        /// `ssm:v<N>:<base64(HMAC)>`.
        public var hmac: String
        /// The version whose key made it.
        public var version: Int
    }

    /// One input to sign or MAC.
    public struct SignItem: Sendable {
        /// The data (or digest when prehashed).
        public var input: [UInt8]
        /// The version (nil or 0: the newest).
        public var version: Int?

        /// Creates an item.
        public init(input: [UInt8], version: Int? = nil) {
            self.input = input
            self.version = version
        }
    }

    /// One signature or HMAC to check.
    public struct VerifyItem: Sendable {
        /// The data (or digest when prehashed).
        public var input: [UInt8]
        /// `ssm:v<N>:<base64>` as from ``sign(name:items:options:)`` or ``hmac(name:items:hash:)``.
        public var signature: String

        /// Creates an item.
        public init(input: [UInt8], signature: String) {
            self.input = input
            self.signature = signature
        }
    }

    /// Signs each item with `name` (an ECDSA or RSA key).
    public func sign(name: String, items: [SignItem], options: SignatureOptions) async throws -> [Result<Signature, TransitError>] {
        try await runBatch(.sign, name: name, items: items) { session, entry, item in
            let metadata = entry.metadata
            guard metadata.type.supportsSigning else { throw TransitError.unsupportedOperation(type: metadata.type, operation: .sign) }
            let version = try Self.writeVersion(metadata, requested: item.version)
            guard let key = try self.handles(session, entry: entry, version: version).privateKey else {
                throw TransitError.versionNotFound(name: metadata.name, version: version)
            }
            let (mechanism, data) = try Self.mechanism(metadata.type, options, input: item.input)
            var signature = try session.sign(mechanism, key: key, data: data)
            if metadata.type == .ecdsaP256, options.marshaling == .asn1 {
                signature = Array(try P256.Signing.ECDSASignature(rawRepresentation: signature).derRepresentation)
            }
            return Signature(signature: TransitCiphertext(version: version, bytes: signature).string, version: version)
        }
    }

    /// Checks each item's signature with the version it names; a signature that does not
    /// match is `false`, not an error.
    public func verify(name: String, items: [VerifyItem], options: SignatureOptions) async throws -> [Result<Bool, TransitError>] {
        try await runBatch(.verify, name: name, items: items) { session, entry, item in
            let metadata = entry.metadata
            guard metadata.type.supportsSigning else {
                throw TransitError.unsupportedOperation(type: metadata.type, operation: .verify)
            }
            let parsed = try TransitCiphertext(parsing: item.signature, what: "signature")
            try Self.checkReadable(metadata, version: parsed.version)
            guard let key = try self.handles(session, entry: entry, version: parsed.version).publicKey else {
                throw TransitError.versionNotFound(name: metadata.name, version: parsed.version)
            }
            var signature = parsed.bytes
            if metadata.type == .ecdsaP256, options.marshaling == .asn1 {
                guard let decoded = try? P256.Signing.ECDSASignature(derRepresentation: signature) else { return false }
                signature = Array(decoded.rawRepresentation)
            }
            let (mechanism, data) = try Self.mechanism(metadata.type, options, input: item.input)
            return try session.verify(mechanism, key: key, data: data, signature: signature)
        }
    }

    /// The HMAC of each item with `name` (an HMAC key).
    public func hmac(name: String, items: [SignItem], hash: DigestAlgorithm) async throws -> [Result<MAC, TransitError>] {
        try await runBatch(.sign, name: name, items: items) { session, entry, item in
            let metadata = entry.metadata
            guard metadata.type.supportsHMAC else { throw TransitError.unsupportedOperation(type: metadata.type, operation: .hmac) }
            try Self.checkInput(item.input)
            let version = try Self.writeVersion(metadata, requested: item.version)
            guard let key = try self.handles(session, entry: entry, version: version).secret else {
                throw TransitError.versionNotFound(name: metadata.name, version: version)
            }
            let mac = try session.sign(.hmac(hash), key: key, data: item.input)
            return MAC(hmac: TransitCiphertext(version: version, bytes: mac).string, version: version)
        }
    }

    /// Checks each item's HMAC (compared by the HSM) with the version it names.
    public func verifyHMAC(name: String, items: [VerifyItem], hash: DigestAlgorithm) async throws -> [Result<Bool, TransitError>] {
        try await runBatch(.verify, name: name, items: items) { session, entry, item in
            let metadata = entry.metadata
            guard metadata.type.supportsHMAC else { throw TransitError.unsupportedOperation(type: metadata.type, operation: .hmac) }
            try Self.checkInput(item.input)
            let parsed = try TransitCiphertext(parsing: item.signature, what: "hmac")
            try Self.checkReadable(metadata, version: parsed.version)
            guard let key = try self.handles(session, entry: entry, version: parsed.version).secret else {
                throw TransitError.versionNotFound(name: metadata.name, version: parsed.version)
            }
            return try session.verify(.hmac(hash), key: key, data: item.input, signature: parsed.bytes)
        }
    }

    static func checkInput(_ input: [UInt8]) throws(TransitError) {
        guard input.count <= TransitLimits.maxInputBytes else {
            throw .invalidArgument("'input' is larger than \(TransitLimits.maxInputBytes) bytes")
        }
    }

    /// The mechanism and the bytes to hand to the HSM for a signature of `input`.
    ///
    /// ECDSA always signs a digest (SoftHSM has no `CKM_ECDSA_SHA*`): hashed here unless
    /// prehashed. RSA lets the HSM hash unless prehashed.
    static func mechanism(
        _ type: TransitKeyType, _ options: SignatureOptions, input: [UInt8]
    ) throws(TransitError) -> (SignatureMechanism, [UInt8]) {
        try checkInput(input)
        let hash = options.hash
        if options.prehashed, input.count != hash.digestLength {
            throw .invalidArgument("a prehashed \(hash) input has \(hash.digestLength) bytes, not \(input.count)")
        }
        switch type {
        case .ecdsaP256:
            return (.ecdsa, options.prehashed ? input : digest(hash, input))
        case .rsa2048, .rsa3072, .rsa4096:
            switch (options.padding, options.prehashed) {
            case (.pss, false): return (.rsaPSSWithHash(hash, saltLength: hash.digestLength), input)
            case (.pss, true): return (.rsaPSS(hash, saltLength: hash.digestLength), input)
            case (.pkcs1v15, false): return (.rsaPKCSWithHash(hash), input)
            case (.pkcs1v15, true): return (.rsaPKCS, hash.digestInfo(input))
            }
        case .aes256GCM, .aes128GCM, .hmacSHA256:
            throw .unsupportedOperation(type: type, operation: .sign)
        }
    }

    static func digest(_ hash: DigestAlgorithm, _ input: [UInt8]) -> [UInt8] {
        switch hash {
        case .sha256: Array(SHA256.hash(data: input))
        case .sha384: Array(SHA384.hash(data: input))
        case .sha512: Array(SHA512.hash(data: input))
        }
    }
}
