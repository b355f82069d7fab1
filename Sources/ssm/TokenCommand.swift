import ArgumentParser
import Foundation
import SSMCore
import SSMServer
import SoftHSMSetup

/// `ssm token init`: creates a SoftHSM token in a directory of its own, without the daemon.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Create SoftHSM tokens.",
        subcommands: [Init.self]
    )

    /// `ssm token init --dir DIR [--label ssm] [--pin-file F] [--so-pin-file F] [--module PATH]`.
    struct Init: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a SoftHSM token in DIR (idempotent: an existing token with the label is kept).",
            discussion: """
                Writes DIR/softhsm2.conf (tokens in DIR/tokens) and DIR/openssl.cnf (OpenSSL's legacy \
                provider, for single DES), then initialises SoftHSM's free slot through PKCS#11 \
                (C_InitToken, C_Login as security officer, C_InitPIN): no PIN on a command line.
                The user PIN comes from --pin-file, else SSM_PKCS11_PIN, else the file named by \
                SSM_PKCS11_PIN_FILE. The security officer's PIN from --so-pin-file, else SSM_TOKEN_SO_PIN, \
                else a random one is written to DIR/so-pin (mode 0600).
                Prints the environment to use the token: export SOFTHSM2_CONF=... and OPENSSL_CONF=...
                """
        )

        @Option(help: "Token directory (created when missing).")
        var dir: String

        @Option(help: "Token label.")
        var label = "ssm"

        @Option(help: "File holding the user PIN.")
        var pinFile: String?

        @Option(help: "File holding the security officer's PIN.")
        var soPinFile: String?

        @Option(help: "The SoftHSM PKCS#11 module.")
        var module = AppConfiguration.defaultModulePath

        func run() async throws {
            let environment = ProcessInfo.processInfo.environment
            let directory: SoftHSMDirectory
            do {
                directory = try SoftHSMDirectory.prepare(dir)
            } catch {
                throw ValidationError(error.description)
            }
            var pin = try secret(file: pinFile, variable: "SSM_PKCS11_PIN", fileVariable: "SSM_PKCS11_PIN_FILE", environment)
            defer { pin.zeroize() }
            guard !pin.isEmpty else {
                throw ValidationError("no user PIN: use --pin-file, SSM_PKCS11_PIN or SSM_PKCS11_PIN_FILE")
            }
            do {
                let created = try directory.ensureToken(
                    label: label, pin: pin, soPIN: { try securityOfficerPIN(directory, environment) }, modulePath: module)
                let message = created ? "created token '\(label)' in" : "token '\(label)' already present in"
                FileHandle.standardError.write(Data("ssm: \(message) \(directory.path)\n".utf8))
            } catch let error as SoftHSMSetupError where error.isModuleFailure {
                FileHandle.standardError.write(Data("ssm: cannot create the token: \(error)\n".utf8))
                throw ExitCode(69)
            } catch let error as SoftHSMSetupError {
                throw ValidationError(error.description)
            }
            print("export SOFTHSM2_CONF=\(directory.configuration)")
            print("export OPENSSL_CONF=\(directory.openSSLConfiguration)")
        }

        /// The security officer's PIN: given, or random and written to DIR/so-pin.
        private func securityOfficerPIN(_ directory: SoftHSMDirectory, _ environment: [String: String]) throws -> [UInt8] {
            let given = try secret(file: soPinFile, variable: "SSM_TOKEN_SO_PIN", fileVariable: nil, environment)
            if !given.isEmpty { return given }
            let pin = try directory.newSecurityOfficerPIN()
            FileHandle.standardError.write(Data("ssm: security officer PIN written to \(directory.securityOfficerPINFile)\n".utf8))
            return pin
        }
    }
}

/// A secret from `file`, else the variable `variable`, else the file named by `fileVariable`;
/// empty when none is set. Trailing newlines are dropped.
private func secret(file: String?, variable: String, fileVariable: String?, _ environment: [String: String]) throws -> [UInt8] {
    var path = file
    if path == nil {
        if let value = environment[variable], !value.isEmpty { return Array(value.utf8) }
        path = fileVariable.flatMap { environment[$0] }.flatMap { $0.isEmpty ? nil : $0 }
    }
    guard let path else { return [] }
    guard var data = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read '\(path)'") }
    defer { data.resetBytes(in: 0..<data.count) }
    var bytes = [UInt8](data)
    while let last = bytes.last, last == UInt8(ascii: "\n") || last == UInt8(ascii: "\r") { bytes.removeLast() }
    return bytes
}
