import PKCS11

extension BenchToken {
    /// Loads the PKCS#11 module at `modulePath` (SoftHSM itself, or a module that reaches this
    /// token another way, such as p11-kit's client), logs in to the token, finds the bench key
    /// (``keyLabel``, which must allow encryption) and runs `body` with them; finalizes the
    /// module after. Blocking: call it on a thread of its own.
    ///
    /// An anchor session stays open during `body` and keeps the login for the sessions `body`
    /// opens (login state is per token).
    func withKey<Result>(
        modulePath: String, _ body: (PKCS11Module, SlotID, ObjectHandle) throws -> Result
    ) throws -> Result {
        let module = try PKCS11Module.load(path: modulePath)
        defer { module.finalize() }
        let slot = try module.selectToken(.label(label)).slot
        let anchor = try module.openSession(slot: slot)
        defer { try? anchor.close() }
        try Session(anchor).login(pin: pin)
        guard let key = try Session(anchor).findSecretKeys(label: Self.keyLabel).first else {
            throw BenchError("no key \(Self.keyLabel) on token \(label) through \(modulePath)")
        }
        guard try Session(anchor).keyInfo(key).usage.contains(.encrypt) else {
            throw BenchError("key \(Self.keyLabel) on token \(label) does not allow encryption (CKA_ENCRYPT is false)")
        }
        return try body(module, slot, key)
    }
}
