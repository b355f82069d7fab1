/// The sizes the plugin accepts, from kube-apiserver's own limits (its `kmsv2` envelope: an
/// encrypted DEK source and a `key_id` of at most 1 KiB each).
public enum KMSLimits {
    /// Largest plaintext `Encrypt` takes: 512 bytes, so that its ciphertext stays within
    /// kube-apiserver's 1 KiB (kube-apiserver sends 32-byte seeds).
    public static let maxPlaintextBytes = 512
    /// Largest ciphertext `Decrypt` takes: 1 KiB, the most kube-apiserver stores.
    public static let maxCiphertextBytes = 1024
    /// Largest request message the transport reads (larger ones are refused with
    /// `RESOURCE_EXHAUSTED` before they reach the plugin); below it, a value over the limits
    /// above is `INVALID_ARGUMENT`.
    public static let maxMessageBytes = 1 << 20
}
