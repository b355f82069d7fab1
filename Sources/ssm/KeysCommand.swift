import ArgumentParser
import Foundation
import Logging
import SSMCore
import SSMServer

/// `ssm keys ...`: key administration straight on the token, without the daemon.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Administer keys on the token (uses the same configuration as serve).",
        subcommands: [Generate.self, List.self, Import.self, Delete.self]
    )

    /// `ssm keys generate --type aes256 [--label L] [--id N] [--if-missing]`.
    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Generate a key in the HSM (non-extractable).")

        @Option(name: .shortAndLong, help: "YAML configuration file.")
        var config: String?

        @Option(help: "Key type: aes128, aes192, aes256, des or des3.")
        var type: String

        @Option(help: "Key label (default: SSM's label for the type, e.g. KEY_ENCRYPTION_AES256).")
        var label: String?

        @Option(help: "Key id (default: the label's highest id + 1).")
        var id: Int32?

        @Flag(help: "Do nothing when a key with this label (and id, if given) exists.")
        var ifMissing = false

        func run() async throws {
            let keyType = try parseKeyType(type)
            let label = self.label ?? keyType.ssmLabel
            let id = self.id.map { KeyID(rawValue: $0) }
            try await withKeyService(config: config) { keys in
                if ifMissing {
                    let existing = try await keys.keys(label: label)
                    if let present = existing.last(where: { id == nil || $0.id == id }) {
                        print("exists: \(label) id \(present.id?.description ?? "?")")
                        return
                    }
                }
                let key = try await keys.generate(keyType, label: label, id: id)
                print("generated: \(label) id \(key.id?.description ?? "?") (\(key.type.wireName)-\(key.bits ?? 0))")
            }
        }
    }

    /// `ssm keys list`.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the token's secret keys (never their values).")

        @Option(name: .shortAndLong, help: "YAML configuration file.")
        var config: String?

        func run() async throws {
            try await withKeyService(config: config) { keys in
                for (label, list) in try await keys.allKeys().sorted(by: { $0.key < $1.key }) {
                    for key in list {
                        print("\(label)\tid \(key.id?.description ?? "-")\t\(key.type.wireName)-\(key.bits ?? 0)")
                    }
                }
            }
        }
    }
}

/// The key type named by `--type`: aes128, aes192, aes256, des or des3.
func parseKeyType(_ name: String) throws -> SecretKeyType {
    switch name.lowercased() {
    case "aes128": .aes(bits: 128)
    case "aes192": .aes(bits: 192)
    case "aes256": .aes(bits: 256)
    case "des": .des
    case "des3": .des3
    default: throw ValidationError("--type must be aes128, aes192, aes256, des or des3")
    }
}

/// Connects with the configuration at `config`, runs `body`, and always disconnects.
func withKeyService(config: String?, _ body: (KeyService) async throws -> Void) async throws {
    var configuration = try await loadConfiguration(path: config, servingHTTP: false)
    configuration.hsm.pool.minSize = 0
    let logger = Logger(label: "ssm", factory: { _ in SwiftLogNoOpLogHandler() })
    let hsm: HSM
    do {
        hsm = try await HSM.connect(configuration.hsm, logger: logger)
        configuration.hsm.pin.zeroize()
    } catch {
        configuration.hsm.pin.zeroize()
        FileHandle.standardError.write(Data("ssm: cannot connect: \(error)\n".utf8))
        throw ExitCode(69)
    }
    do {
        try await body(KeyService(hsm: hsm, logger: logger))
    } catch {
        await hsm.shutdown()
        FileHandle.standardError.write(Data("ssm: \(error)\n".utf8))
        throw ExitCode.failure
    }
    await hsm.shutdown()
}
