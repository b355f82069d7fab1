import Foundation
import PKCS11

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension SoftHSMDirectory {
    /// Loads the SoftHSM module at `modulePath` on this directory: sets `SOFTHSM2_CONF` (and
    /// `OPENSSL_CONF`, unless the environment already names one) first.
    ///
    /// SoftHSM reads its configuration once, at `C_Initialize`: if this process already holds the
    /// module (loaded on another configuration), the returned module still uses that one.
    /// Balance with ``PKCS11Module/finalize()``.
    public func loadModule(_ modulePath: String) throws(PKCS11Error) -> PKCS11Module {
        setenv("SOFTHSM2_CONF", configuration, 1)
        setenv("OPENSSL_CONF", openSSLConfiguration, 0)
        return try PKCS11Module.load(path: modulePath)
    }

    /// Loads the module at `modulePath`, makes sure it has a token labelled `label` (see
    /// ``ensureToken(label:pin:soPIN:in:)``) and finalizes the module: the whole of `ssm token init`,
    /// with the module's failures as a ``SoftHSMSetupError`` whose `isModuleFailure` is true.
    ///
    /// - Returns: whether the token was created (false: it was already there, and is kept).
    public func ensureToken(label: String, pin: [UInt8], soPIN: () throws -> [UInt8], modulePath: String) throws -> Bool {
        do {
            let module = try loadModule(modulePath)
            defer { module.finalize() }
            return try ensureToken(label: label, pin: pin, soPIN: soPIN, in: module)
        } catch let error as PKCS11Error {
            throw SoftHSMSetupError("\(error)", isModuleFailure: true)
        }
    }

    /// Makes sure `module` (loaded with ``loadModule(_:)``) has a token labelled `label`; when it
    /// has none, initialises SoftHSM's free slot through PKCS#11 — `C_InitToken` with the security
    /// officer's PIN from `soPIN` (asked only then), `C_Login` as security officer,
    /// `C_InitPIN` with `pin` — so that no PIN ever appears on a command line.
    ///
    /// - Returns: whether the token was created (false: it was already there, and is kept).
    @discardableResult
    public func ensureToken(
        label: String, pin: [UInt8], soPIN: () throws -> [UInt8], in module: PKCS11Module
    ) throws -> Bool {
        // Listing the slots also makes SoftHSM add a free slot when it has none left.
        let tokens = try module.tokens()
        if tokens.contains(where: { $0.label == label && $0.tokenInitialized }) {
            return false
        }
        guard let free = tokens.first(where: { !$0.tokenInitialized }) else {
            throw SoftHSMSetupError("the module offers no uninitialised slot for token '\(label)'")
        }
        var securityOfficer = try soPIN()
        defer { securityOfficer.zeroize() }
        try module.initToken(slot: free.slot, soPIN: securityOfficer, label: label)
        let handle = try module.openSession(slot: free.slot, readWrite: true)
        defer { try? handle.close() }
        let session = Session(handle)
        try session.loginSecurityOfficer(pin: securityOfficer)
        try session.initUserPIN(pin)
        try session.logout()
        return true
    }
}
