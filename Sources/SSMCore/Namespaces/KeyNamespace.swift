/// The three kinds of object ssm keeps in a token. Every object ssm creates or uses belongs
/// to exactly one of them, decided by its label alone, and the core refuses an operation of
/// one namespace on an object of another (see docs/design.md, "Namespaces").
///
/// | namespace | labels | reached through |
/// |---|---|---|
/// | ``ssm`` | any valid label without a reserved prefix | SSM's routes (`KeyService`) |
/// | ``transit`` | `ssm-v1/<name>` (metadata), `ssm-v1/<name>/<version>` (keys) | `/v1` (`TransitService`) |
/// | ``internal`` | `ssm-internal/<name>` | ssm itself (login signing key) |
///
/// Cross-process identity claims (``IdentityClaims``) are data objects of their own
/// application and are not keys of any namespace.
public enum KeyNamespace: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// SSM-compatible keys: a label and a 4-byte `CKA_ID`.
    case ssm
    /// Named keys with versions (`/v1`).
    case transit
    /// ssm's own keys, out of every protocol's reach.
    case `internal`

    /// The label prefix that marks the namespace (nil for ``ssm``, which has none).
    public var labelPrefix: String? {
        switch self {
        case .ssm: nil
        case .transit: "ssm-v1/"
        case .internal: "ssm-internal/"
        }
    }

    /// The namespace a token object's label puts it in.
    public static func of(label: String) -> KeyNamespace {
        for namespace in [KeyNamespace.transit, .internal] {
            if let prefix = namespace.labelPrefix, label.utf8.starts(with: prefix.utf8) { return namespace }
        }
        return .ssm
    }

    public var description: String {
        switch self {
        case .ssm: "SSM keys"
        case .transit: "Transit keys"
        case .internal: "internal keys"
        }
    }
}

/// What makes a label acceptable, in every namespace.
public enum KeyLabel {
    /// Largest label accepted, in bytes.
    public static let maximumLength = 256

    /// Checks `label` as an SSM key label: 1 to ``maximumLength`` bytes, no control
    /// characters (they would forge log and audit lines), and no prefix reserved for another
    /// namespace.
    ///
    /// - Throws: ``KeyServiceError/invalidArgument(_:)`` naming `field` and the rule broken.
    public static func validateSSM(_ label: String, field: String = "key_label") throws(KeyServiceError) {
        guard !label.isEmpty else { throw .invalidArgument("'\(field)' must not be empty") }
        guard label.utf8.count <= maximumLength else {
            throw .invalidArgument("'\(field)' must be at most \(maximumLength) bytes")
        }
        guard !containsControlCharacters(label) else {
            throw .invalidArgument("'\(field)' must not contain control characters")
        }
        let namespace = KeyNamespace.of(label: label)
        guard namespace == .ssm else {
            throw .invalidArgument(
                "'\(field)' must not start with '\(namespace.labelPrefix ?? "")': that prefix is reserved for ssm's \(namespace)")
        }
    }

    /// Whether `text` has a C0 or C1 control character or DEL.
    public static func containsControlCharacters(_ text: String) -> Bool {
        text.unicodeScalars.contains { scalar in
            scalar.value < 0x20 || (scalar.value >= 0x7f && scalar.value < 0xa0)
        }
    }
}
