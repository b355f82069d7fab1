import ArgumentParser
import Foundation

/// A SoftHSM token directory as `ssm token init` (and `scripts/softhsm-token.sh`) lay it out:
/// `softhsm2.conf`, `openssl.cnf` and `tokens/`.
struct SoftHSMDirectory {
    /// The directory, absolute.
    let path: String

    /// `DIR/softhsm2.conf`.
    var configuration: String { path + "/softhsm2.conf" }
    /// `DIR/openssl.cnf`.
    var openSSLConfiguration: String { path + "/openssl.cnf" }

    /// Creates the directory (mode 0700) and its files when missing; existing files are kept.
    static func prepare(_ directory: String) throws -> SoftHSMDirectory {
        let files = FileManager.default
        let absolute = URL(fileURLWithPath: directory, relativeTo: URL(fileURLWithPath: files.currentDirectoryPath))
            .standardizedFileURL.path
        let tokens = absolute + "/tokens"
        do {
            try files.createDirectory(atPath: tokens, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try files.setAttributes([.posixPermissions: 0o700], ofItemAtPath: absolute)
        } catch {
            throw ValidationError("cannot create \(tokens): \(error.localizedDescription)")
        }
        let layout = SoftHSMDirectory(path: absolute)
        try write(layout.configuration, """
            # SoftHSM configuration for ssm (created by ssm token init)
            directories.tokendir = \(tokens)
            objectstore.backend = file
            log.level = ERROR
            slots.removable = false

            """)
        // SoftHSM encrypts with OpenSSL; OpenSSL 3 keeps single DES in its legacy provider,
        // without which CKM_DES_CBC_PAD fails with CKR_MECHANISM_INVALID.
        try write(layout.openSSLConfiguration, """
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

    private static func write(_ path: String, _ text: String) throws {
        guard !FileManager.default.fileExists(atPath: path) else { return }
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw ValidationError("cannot write \(path)")
        }
    }
}
