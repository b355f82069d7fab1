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
        /// Raw `r ‖ s` (JWS `ES256`), written in URL-safe base64 as Vault does.
        case jws
    }

    /// The salt of RSA-PSS signatures.
    public enum SaltLength: Sendable, Hashable {
        /// Signing: as long as the key allows (Vault's default, Go's `PSSSaltLengthAuto`);
        /// verifying: that length or the digest's.
        case auto
        /// As long as the digest.
        case hash
        /// This many bytes.
        case bytes(Int)
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
        /// RSA-PSS salt (``SaltLength/auto`` by default).
        public var saltLength: SaltLength

        /// Creates options.
        public init(
            hash: DigestAlgorithm = .sha256, prehashed: Bool = false, padding: RSAPadding = .pss,
            marshaling: SignatureMarshaling = .asn1, saltLength: SaltLength = .auto
        ) {
            self.hash = hash
            self.prehashed = prehashed
            self.padding = padding
            self.marshaling = marshaling
            self.saltLength = saltLength
        }

        /// Options from their names as Transit requests write them: `hash_algorithm`
        /// (``TransitService/digestAlgorithm(named:field:)``), `signature_algorithm` (`pss`,
        /// `pkcs1v15`), `marshaling_algorithm` (`asn1`, `jws`), `salt_length` (`auto`, `hash`
        /// or a number of bytes).
        public init(
            hashAlgorithm: String?, prehashed: Bool = false, signatureAlgorithm: String? = nil,
            marshalingAlgorithm: String? = nil, saltLength: String? = nil
        ) throws(TransitError) {
            guard let padding = RSAPadding(rawValue: signatureAlgorithm ?? "pss") else {
                throw .invalidArgument("'signature_algorithm' must be pss or pkcs1v15")
            }
            guard let marshaling = SignatureMarshaling(rawValue: marshalingAlgorithm ?? "asn1") else {
                throw .invalidArgument("'marshaling_algorithm' must be asn1 or jws")
            }
            let salt: SaltLength
            switch saltLength ?? "auto" {
            case "auto": salt = .auto
            case "hash": salt = .hash
            case let text:
                guard let count = Int(text), count >= 0 else {
                    throw .invalidArgument("'salt_length' must be auto, hash or a number of bytes")
                }
                salt = .bytes(count)
            }
            self.init(
                hash: try TransitService.digestAlgorithm(named: hashAlgorithm), prehashed: prehashed, padding: padding,
                marshaling: marshaling, saltLength: salt)
        }
    }

    /// A signature's result.
    public struct Signature: Sendable, Hashable {
        /// `vault:v<N>:<base64(signature)>`.
        public var signature: String
        /// The version that signed.
        public var version: Int
    }

    /// An HMAC's result.
    public struct MAC: Sendable, Hashable {
        /// `vault:v<N>:<base64(HMAC)>`.
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
        /// `vault:v<N>:<base64>` as from ``sign(name:items:options:)`` or ``hmac(name:items:hash:)``.
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
            let salt = try Self.saltLengths(metadata.type, options, signing: true)
            let (mechanism, data) = try Self.mechanism(metadata.type, options, input: item.input, salt: salt[0])
            var signature = try session.sign(mechanism, key: key, data: data)
            if metadata.type.isECDSA, options.marshaling == .asn1 {
                signature = try Self.derSignature(metadata.type, raw: signature)
            }
            let wrapped = TransitCiphertext(version: version, bytes: signature)
            let text = metadata.type.isECDSA && options.marshaling == .jws ? wrapped.urlSafeString : wrapped.string
            return Signature(signature: text, version: version)
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
            if metadata.type.isECDSA, options.marshaling == .asn1 {
                guard let raw = Self.rawSignature(metadata.type, der: signature) else { return false }
                signature = raw
            }
            // PSS with the automatic salt: Vault's longest salt first, then the digest's (which
            // earlier versions of ssm used).
            for salt in try Self.saltLengths(metadata.type, options, signing: false) {
                let (mechanism, data) = try Self.mechanism(metadata.type, options, input: item.input, salt: salt)
                if try session.verify(mechanism, key: key, data: data, signature: signature) { return true }
            }
            return false
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

    /// The mechanism and the bytes to hand to the HSM for a signature of `input` (`salt`: the
    /// PSS salt length, for RSA-PSS).
    ///
    /// ECDSA always signs a digest (SoftHSM has no `CKM_ECDSA_SHA*`): hashed here unless
    /// prehashed. RSA lets the HSM hash unless prehashed.
    static func mechanism(
        _ type: TransitKeyType, _ options: SignatureOptions, input: [UInt8], salt: Int? = nil
    ) throws(TransitError) -> (SignatureMechanism, [UInt8]) {
        try checkInput(input)
        let hash = options.hash
        if options.prehashed, input.count != hash.digestLength {
            throw .invalidArgument("a prehashed \(hash) input has \(hash.digestLength) bytes, not \(input.count)")
        }
        switch type {
        case .ecdsaP256, .ecdsaP384:
            return (.ecdsa, options.prehashed ? input : digest(hash, input))
        case .rsa2048, .rsa3072, .rsa4096:
            let salt = salt ?? hash.digestLength
            switch (options.padding, options.prehashed) {
            case (.pss, false): return (.rsaPSSWithHash(hash, saltLength: salt), input)
            case (.pss, true): return (.rsaPSS(hash, saltLength: salt), input)
            case (.pkcs1v15, false): return (.rsaPKCSWithHash(hash), input)
            case (.pkcs1v15, true): return (.rsaPKCS, hash.digestInfo(input))
            }
        case .aes256GCM, .aes128GCM, .hmacSHA256:
            throw .unsupportedOperation(type: type, operation: .sign)
        }
    }

    /// The PSS salt lengths to sign with (the first) or to try when verifying; `[nil]` for
    /// other signatures.
    static func saltLengths(_ type: TransitKeyType, _ options: SignatureOptions, signing: Bool) throws(TransitError) -> [Int?] {
        guard let bits = type.rsaBits, options.padding == .pss else { return [nil] }
        let digestLength = options.hash.digestLength
        // RFC 8017 §9.1.1: emLen = ⌈(modBits - 1) / 8⌉ ≥ hLen + sLen + 2.
        let maximum = (bits - 1 + 7) / 8 - digestLength - 2
        switch options.saltLength {
        case .auto: return signing ? [maximum] : [maximum, digestLength]
        case .hash: return [digestLength]
        case .bytes(let count):
            guard (0...maximum).contains(count) else {
                throw .invalidArgument("'salt_length' must be between 0 and \(maximum) for this key and hash")
            }
            return [count]
        }
    }

    /// The DER `ECDSA-Sig-Value` of a raw `r ‖ s` signature.
    static func derSignature(_ type: TransitKeyType, raw: [UInt8]) throws -> [UInt8] {
        type == .ecdsaP384
            ? Array(try P384.Signing.ECDSASignature(rawRepresentation: raw).derRepresentation)
            : Array(try P256.Signing.ECDSASignature(rawRepresentation: raw).derRepresentation)
    }

    /// The raw `r ‖ s` of a DER signature, nil when it is not one for the key's curve.
    static func rawSignature(_ type: TransitKeyType, der: [UInt8]) -> [UInt8]? {
        type == .ecdsaP384
            ? (try? P384.Signing.ECDSASignature(derRepresentation: der)).map { Array($0.rawRepresentation) }
            : (try? P256.Signing.ECDSASignature(derRepresentation: der)).map { Array($0.rawRepresentation) }
    }

    /// The digest of `input` with the hash named `algorithm` (Transit's `hash`).
    public static func hash(_ input: [UInt8], algorithm: String?) throws(TransitError) -> [UInt8] {
        guard input.count <= TransitLimits.maxInputBytes else {
            throw .invalidArgument("'input' is larger than \(TransitLimits.maxInputBytes) bytes")
        }
        return digest(try digestAlgorithm(named: algorithm, field: "algorithm"), input)
    }

    /// The hash named `name` (nil: `sha2-256`): `sha2-256`, `sha2-384` or `sha2-512` (Vault's
    /// SHA-1, SHA-224 and SHA-3 names are refused by name).
    public static func digestAlgorithm(named name: String?, field: String = "hash_algorithm") throws(TransitError) -> DigestAlgorithm {
        switch name ?? "sha2-256" {
        case "sha2-256": .sha256
        case "sha2-384": .sha384
        case "sha2-512": .sha512
        case let other:
            throw .invalidArgument("'\(field)' \(other.prefix(32)) is not supported: use sha2-256, sha2-384 or sha2-512")
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
