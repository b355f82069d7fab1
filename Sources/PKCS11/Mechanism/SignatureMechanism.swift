import CPKCS11

/// A SHA-2 digest used by a signature or MAC mechanism.
public enum DigestAlgorithm: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// SHA-256 (32-byte digest).
    case sha256
    /// SHA-384 (48-byte digest).
    case sha384
    /// SHA-512 (64-byte digest).
    case sha512

    /// The digest length in bytes.
    public var digestLength: Int {
        switch self {
        case .sha256: 32
        case .sha384: 48
        case .sha512: 64
        }
    }

    /// `SHA-256`, `SHA-384`, `SHA-512`.
    public var description: String {
        switch self {
        case .sha256: "SHA-256"
        case .sha384: "SHA-384"
        case .sha512: "SHA-512"
        }
    }

    /// `CKM_SHA256`, … (the hash in `CK_RSA_PKCS_PSS_PARAMS`).
    var hashMechanism: CK_MECHANISM_TYPE {
        switch self {
        case .sha256: CK_MECHANISM_TYPE(CKM_SHA256)
        case .sha384: CK_MECHANISM_TYPE(CKM_SHA384)
        case .sha512: CK_MECHANISM_TYPE(CKM_SHA512)
        }
    }

    /// `CKG_MGF1_SHA256`, … (the mask generation function in `CK_RSA_PKCS_PSS_PARAMS`).
    var mgf: CK_RSA_PKCS_MGF_TYPE {
        switch self {
        case .sha256: CK_RSA_PKCS_MGF_TYPE(CKG_MGF1_SHA256)
        case .sha384: CK_RSA_PKCS_MGF_TYPE(CKG_MGF1_SHA384)
        case .sha512: CK_RSA_PKCS_MGF_TYPE(CKG_MGF1_SHA512)
        }
    }
}

/// A signature or MAC mechanism (single part `C_Sign`/`C_Verify`).
///
/// "Pre-hashed" mechanisms take a digest the caller computed; the others hash the data
/// themselves. ECDSA signatures are raw `r ‖ s` (each the curve's size, e.g. 32 bytes for
/// P-256), which is the JWS `ES256` format, not DER.
public enum SignatureMechanism: Sendable, Hashable, CustomStringConvertible {
    /// `CKM_ECDSA`: the input is a digest (pre-hashed).
    case ecdsa
    /// `CKM_ECDSA_SHA256/384/512`: the module hashes. SoftHSM 2.6 does not implement these
    /// (`CKR_MECHANISM_INVALID`); hash in software and use ``ecdsa`` there.
    case ecdsaWithHash(DigestAlgorithm)
    /// `CKM_RSA_PKCS`: PKCS #1 v1.5 padding of the input as given — the caller supplies the
    /// DER `DigestInfo` (see ``DigestAlgorithm``'s `digestInfo(_:)`).
    case rsaPKCS
    /// `CKM_SHA256_RSA_PKCS`, …: PKCS #1 v1.5 over the hash of the data.
    case rsaPKCSWithHash(DigestAlgorithm)
    /// `CKM_RSA_PKCS_PSS`: PSS over a digest (pre-hashed), MGF1 with the same hash, a salt
    /// of `saltLength` bytes.
    case rsaPSS(DigestAlgorithm, saltLength: Int)
    /// `CKM_SHA256_RSA_PKCS_PSS`, …: PSS over the hash of the data (MGF1 with the same hash),
    /// a salt of `saltLength` bytes.
    case rsaPSSWithHash(DigestAlgorithm, saltLength: Int)
    /// `CKM_SHA256_HMAC`, …: HMAC with a generic secret key.
    case hmac(DigestAlgorithm)

    /// The mechanism name, e.g. `CKM_SHA256_RSA_PKCS_PSS` (parameters are not shown).
    public var description: String {
        switch self {
        case .ecdsa: "CKM_ECDSA"
        case .ecdsaWithHash(let hash): "CKM_ECDSA_\(hash.tag)"
        case .rsaPKCS: "CKM_RSA_PKCS"
        case .rsaPKCSWithHash(let hash): "CKM_\(hash.tag)_RSA_PKCS"
        case .rsaPSS: "CKM_RSA_PKCS_PSS"
        case .rsaPSSWithHash(let hash, _): "CKM_\(hash.tag)_RSA_PKCS_PSS"
        case .hmac(let hash): "CKM_\(hash.tag)_HMAC"
        }
    }

    /// The `CKM_*` value.
    var type: CK_MECHANISM_TYPE {
        let raw: UInt
        switch self {
        case .ecdsa: raw = UInt(CKM_ECDSA)
        case .ecdsaWithHash(let hash):
            raw = switch hash {
            case .sha256: UInt(CKM_ECDSA_SHA256)
            case .sha384: UInt(CKM_ECDSA_SHA384)
            case .sha512: UInt(CKM_ECDSA_SHA512)
            }
        case .rsaPKCS: raw = UInt(CKM_RSA_PKCS)
        case .rsaPKCSWithHash(let hash):
            raw = switch hash {
            case .sha256: UInt(CKM_SHA256_RSA_PKCS)
            case .sha384: UInt(CKM_SHA384_RSA_PKCS)
            case .sha512: UInt(CKM_SHA512_RSA_PKCS)
            }
        case .rsaPSS: raw = UInt(CKM_RSA_PKCS_PSS)
        case .rsaPSSWithHash(let hash, _):
            raw = switch hash {
            case .sha256: UInt(CKM_SHA256_RSA_PKCS_PSS)
            case .sha384: UInt(CKM_SHA384_RSA_PKCS_PSS)
            case .sha512: UInt(CKM_SHA512_RSA_PKCS_PSS)
            }
        case .hmac(let hash):
            raw = switch hash {
            case .sha256: UInt(CKM_SHA256_HMAC)
            case .sha384: UInt(CKM_SHA384_HMAC)
            case .sha512: UInt(CKM_SHA512_HMAC)
            }
        }
        return CK_MECHANISM_TYPE(raw)
    }

    /// Checks the parameters; throws ``PKCS11Error/Kind/invalidArgument(_:)``.
    public func validate() throws(PKCS11Error) {
        switch self {
        case .rsaPSS(_, let salt), .rsaPSSWithHash(_, let salt):
            guard (0...512).contains(salt) else {
                throw PKCS11Error.invalidArgument("\(self) salt length must be 0…512 bytes, not \(salt)")
            }
        case .ecdsa, .ecdsaWithHash, .rsaPKCS, .rsaPKCSWithHash, .hmac:
            break
        }
    }

    /// Lends the mechanism as a `CK_MECHANISM` (with its `CK_RSA_PKCS_PSS_PARAMS` for PSS)
    /// valid for the duration of `body`.
    func withUnsafeMechanism<Result>(
        _ body: (UnsafeMutablePointer<CK_MECHANISM>) throws(PKCS11Error) -> Result
    ) throws(PKCS11Error) -> Result {
        let type = self.type
        switch self {
        case .rsaPSS(let hash, let salt), .rsaPSSWithHash(let hash, let salt):
            var parameters = CK_RSA_PKCS_PSS_PARAMS(
                hashAlg: hash.hashMechanism,
                mgf: hash.mgf,
                sLen: CK_ULONG(salt)
            )
            return try withUnsafeMutablePointer(to: &parameters) { (parameters) throws(PKCS11Error) -> Result in
                var mechanism = CK_MECHANISM(
                    mechanism: type,
                    pParameter: UnsafeMutableRawPointer(parameters),
                    ulParameterLen: CK_ULONG(MemoryLayout<CK_RSA_PKCS_PSS_PARAMS>.size)
                )
                return try withUnsafeMutablePointer(to: &mechanism) { (pointer) throws(PKCS11Error) -> Result in
                    try body(pointer)
                }
            }
        case .ecdsa, .ecdsaWithHash, .rsaPKCS, .rsaPKCSWithHash, .hmac:
            var mechanism = CK_MECHANISM(mechanism: type, pParameter: nil, ulParameterLen: 0)
            return try withUnsafeMutablePointer(to: &mechanism) { (pointer) throws(PKCS11Error) -> Result in
                try body(pointer)
            }
        }
    }
}

extension DigestAlgorithm {
    /// `SHA256`, `SHA384`, `SHA512` (as in mechanism names).
    var tag: String {
        switch self {
        case .sha256: "SHA256"
        case .sha384: "SHA384"
        case .sha512: "SHA512"
        }
    }

    /// The DER `DigestInfo` (RFC 8017 §9.2) of `digest`, the input ``SignatureMechanism/rsaPKCS``
    /// needs for a PKCS #1 v1.5 signature of pre-hashed data.
    public func digestInfo(_ digest: [UInt8]) -> [UInt8] {
        let prefix: [UInt8] = switch self {
        case .sha256: [0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20]
        case .sha384: [0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30]
        case .sha512: [0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40]
        }
        return prefix + digest
    }
}
