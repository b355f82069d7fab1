/// The `key_id` of a version of the key encryption key: `<key name>:v<version>`.
///
/// It names the version only by what every replica reads from the token (the Transit key's
/// name and version), so every replica serving the same token answers the same string, and a
/// rotation changes it. A ciphertext names its version itself, so `Decrypt` never needs it.
public enum KMSKeyID {
    /// The key id of `version` of key `name`.
    public static func make(name: String, version: Int) -> String { "\(name):v\(version)" }
}
