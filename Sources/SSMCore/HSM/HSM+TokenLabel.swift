import PKCS11

extension HSM {
    /// The label of the token ssm is connected to (for status pages: adapters do not reach
    /// PKCS#11 types such as ``token``'s `TokenInfo`).
    public var tokenLabel: String { token.label }
}
