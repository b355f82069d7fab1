import ArgumentParser
import Foundation
import SSMCore

extension KeysCommand {
    /// `ssm keys import --type aes256 --label L [--id N] [--replace] --value-file PATH|-`.
    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import a key value into the HSM (sensitive, non-extractable).",
            discussion: """
                The value is read as hex from a file (or standard input with '-'), never from the \
                command line, and zeroed after use. With --replace the key with this label and id is \
                replaced: the new object is created before the old one is destroyed.
                """
        )

        @Option(name: .shortAndLong, help: "YAML configuration file.")
        var config: String?

        @Option(help: "Key type: aes128, aes192, aes256, des or des3.")
        var type: String

        @Option(help: "Key label (default: SSM's label for the type, e.g. KEY_ENCRYPTION_AES256).")
        var label: String?

        @Option(help: "Key id (default: the label's highest id + 1; required with --replace).")
        var id: Int32?

        @Option(help: "File holding the key value in hex ('-': standard input).")
        var valueFile: String

        @Flag(help: "Replace the existing key with this label and id.")
        var replace = false

        func validate() throws {
            if replace && id == nil { throw ValidationError("--replace needs --id") }
        }

        func run() async throws {
            let keyType = try parseKeyType(type)
            let label = self.label ?? keyType.ssmLabel
            var value = try readHexValue(valueFile)
            defer { value.zeroize() }
            let id = self.id.map { KeyID(rawValue: $0) }
            let bytes = value
            let replace = self.replace
            try await withKeyService(config: config) { keys in
                let key =
                    if replace, let id {
                        try await keys.replaceKey(keyType, value: bytes, label: label, id: id)
                    } else {
                        try await keys.importKey(keyType, value: bytes, label: label, id: id)
                    }
                let verb = replace ? "replaced" : "imported"
                print("\(verb): \(label) id \(key.id?.description ?? "?") (\(key.type.wireName)-\(key.bits ?? 0))")
            }
        }
    }

    /// `ssm keys delete --label L --id N`.
    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Destroy one key (by label and id) in the HSM.")

        @Option(name: .shortAndLong, help: "YAML configuration file.")
        var config: String?

        @Option(help: "Key label.")
        var label: String

        @Option(help: "Key id (required: there is no 'every key of the label').")
        var id: Int32

        func run() async throws {
            let label = self.label
            let id = KeyID(rawValue: self.id)
            try await withKeyService(config: config) { keys in
                try await keys.deleteKey(label: label, id: id)
                print("deleted: \(label) id \(id)")
            }
        }
    }
}

/// Reads a hex key value from `path` ('-' for standard input); whitespace is ignored.
private func readHexValue(_ path: String) throws -> [UInt8] {
    let handle: FileHandle
    if path == "-" {
        handle = .standardInput
    } else {
        guard let file = FileHandle(forReadingAtPath: path) else { throw ValidationError("cannot read '\(path)'") }
        handle = file
    }
    var data = handle.readDataToEndOfFile()
    defer { data.resetBytes(in: 0..<data.count) }
    var digits = [UInt8](data.filter { !$0.isASCIIWhitespace })
    defer { digits.zeroize() }
    guard !digits.isEmpty, digits.count.isMultiple(of: 2) else {
        throw ValidationError("the key value must be an even number of hex digits")
    }
    var value = [UInt8](repeating: 0, count: digits.count / 2)
    for index in value.indices {
        guard let high = hexDigit(digits[2 * index]), let low = hexDigit(digits[2 * index + 1]) else {
            value.zeroize()
            throw ValidationError("the key value must be hex digits only")
        }
        value[index] = high << 4 | low
    }
    return value
}

private func hexDigit(_ character: UInt8) -> UInt8? {
    switch character {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): character - UInt8(ascii: "A") + 10
    default: nil
    }
}

extension UInt8 {
    fileprivate var isASCIIWhitespace: Bool {
        self == UInt8(ascii: " ") || self == UInt8(ascii: "\n") || self == UInt8(ascii: "\r") || self == UInt8(ascii: "\t")
    }
}
