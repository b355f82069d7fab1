import Foundation
import PKCS11

/// A SoftHSM token directory, the one layout every tool uses (`ssm token init`, `ssm-bench`, the
/// tests' fixture, and through `ssm token init` every script):
///
/// - `softhsm2.conf`: SoftHSM's configuration, tokens in `tokens/`, file object store;
/// - `openssl.cnf`: OpenSSL with its default and legacy providers (SoftHSM encrypts with OpenSSL,
///   and OpenSSL 3 keeps single DES in the legacy provider: without it `CKM_DES_CBC_PAD` fails
///   with `CKR_MECHANISM_INVALID`);
/// - `tokens/`: the tokens;
/// - `so-pin`: the security officer's PIN, when ``newSecurityOfficerPIN()`` chose one.
///
/// The directory is private (0700) and so are its files (0600).
public struct SoftHSMDirectory: Sendable, Hashable {
    /// The directory, absolute.
    public let path: String

    /// `DIR/softhsm2.conf`, for `SOFTHSM2_CONF`.
    public var configuration: String { path + "/softhsm2.conf" }
    /// `DIR/openssl.cnf`, for `OPENSSL_CONF`.
    public var openSSLConfiguration: String { path + "/openssl.cnf" }
    /// `DIR/tokens`.
    public var tokens: String { path + "/tokens" }
    /// `DIR/so-pin`.
    public var securityOfficerPINFile: String { path + "/so-pin" }

    /// The variables that point SoftHSM and OpenSSL at this directory.
    public var environment: [String: String] {
        ["SOFTHSM2_CONF": configuration, "OPENSSL_CONF": openSSLConfiguration]
    }

    /// Lays out `directory` (relative to the current directory, or absolute): creates it and
    /// `tokens/` (mode 0700) and writes the two configuration files when missing. Existing files
    /// are kept, so preparing a directory again changes nothing.
    public static func prepare(_ directory: String) throws(SoftHSMSetupError) -> SoftHSMDirectory {
        let files = FileManager.default
        let absolute = URL(fileURLWithPath: directory, relativeTo: URL(fileURLWithPath: files.currentDirectoryPath))
            .standardizedFileURL.path
        let layout = SoftHSMDirectory(path: absolute)
        do {
            try files.createDirectory(atPath: layout.tokens, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try files.setAttributes([.posixPermissions: 0o700], ofItemAtPath: absolute)
        } catch {
            throw SoftHSMSetupError("cannot create \(layout.tokens): \(error.localizedDescription)")
        }
        try write(layout.configuration, """
            # SoftHSM configuration for ssm (written by ssm token init)
            directories.tokendir = \(layout.tokens)
            objectstore.backend = file
            log.level = ERROR
            slots.removable = false

            """)
        try write(layout.openSSLConfiguration, """
            # OpenSSL configuration for SoftHSM (written by ssm token init): the legacy provider has single DES.
            openssl_conf = openssl_init
            [openssl_init]
            providers = provider_sect
            [provider_sect]
            default = default_sect
            legacy = legacy_sect
            [default_sect]
            activate = 1
            [legacy_sect]
            activate = 1

            """)
        return layout
    }

    /// A random security officer's PIN (24 hexadecimal digits), written to ``securityOfficerPINFile``
    /// (mode 0600) so that its owner can find it.
    public func newSecurityOfficerPIN() throws(SoftHSMSetupError) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        let hex = Array("0123456789abcdef".utf8)
        var pin = (0..<24).map { _ in hex[Int(generator.next(upperBound: UInt8(16)))] }
        do {
            try Self.create(securityOfficerPINFile, Data(pin + [10]))
        } catch {
            pin.zeroize()
            throw error
        }
        return pin
    }

    /// Writes `text` to `path` (mode 0600) unless the file exists.
    private static func write(_ path: String, _ text: String) throws(SoftHSMSetupError) {
        guard !FileManager.default.fileExists(atPath: path) else { return }
        try create(path, Data(text.utf8))
    }

    private static func create(_ path: String, _ contents: Data) throws(SoftHSMSetupError) {
        guard FileManager.default.createFile(atPath: path, contents: contents, attributes: [.posixPermissions: 0o600]) else {
            throw SoftHSMSetupError("cannot write \(path)")
        }
    }
}

/// A token directory that cannot be laid out (a file or directory that cannot be written), or a
/// module that cannot create the token.
public struct SoftHSMSetupError: Error, CustomStringConvertible, Sendable {
    /// What failed, with the path.
    public let description: String
    /// Whether the PKCS#11 module failed (it cannot be loaded, or refused a call), rather than
    /// the directory or the caller's input.
    public let isModuleFailure: Bool

    /// An error with its description.
    public init(_ description: String, isModuleFailure: Bool = false) {
        self.description = description
        self.isModuleFailure = isModuleFailure
    }
}
