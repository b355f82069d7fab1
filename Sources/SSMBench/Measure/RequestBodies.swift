import Foundation

/// The JSON bodies the load generator POSTs, one file per route and payload.
struct RequestBodies {
    let directory: String

    /// The `/encrypt` and `/encrypt-pool` body for `payload` bytes (algorithm 1, AES-256-CBC).
    func encryptFile(payload: Int) -> String { "\(directory)/encrypt-\(payload).json" }
    /// The `/decrypt` body for a ciphertext of `payload` plaintext bytes.
    func decryptFile(payload: Int) -> String { "\(directory)/decrypt-\(payload).json" }

    /// Writes the encryption bodies, then encrypts each once through `server` to write the
    /// decryption bodies.
    func prepare(payloads: [Int], server: ServerProcess) async throws {
        for payload in payloads {
            let plain = (0..<payload).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            let body = Self.json([
                ("key_label", "\"\(BenchToken.keyLabel)\""), ("plain", "\"\(Self.hex(plain))\""), ("encryption_algorithm", "1"),
            ])
            try body.write(toFile: encryptFile(payload: payload), atomically: true, encoding: .utf8)
            let sealed = try await server.request("POST", "/encrypt-pool", json: Array(body.utf8))
            guard sealed.status == 200,
                let object = try JSONSerialization.jsonObject(with: Data(sealed.body)) as? [String: Any],
                let cipher = object["cipher"] as? String, let iv = object["iv"] as? String, let id = object["id"] as? Int
            else {
                throw BenchError("/encrypt-pool answered \(sealed.status): \(String(decoding: sealed.body, as: UTF8.self))")
            }
            let decrypt = Self.json([
                ("key_label", "\"\(BenchToken.keyLabel)\""), ("cipher", "\"\(cipher)\""), ("iv", "\"\(iv)\""),
                ("id", "\(id)"), ("encryption_algorithm", "1"),
            ])
            try decrypt.write(toFile: decryptFile(payload: payload), atomically: true, encoding: .utf8)
        }
    }

    /// Checks that every prepared body gets a 200 from its route (so the load measures answers, not errors).
    func check(payloads: [Int], server: ServerProcess) async throws {
        for payload in payloads {
            for (route, file) in [
                ("/encrypt", encryptFile(payload: payload)), ("/encrypt-pool", encryptFile(payload: payload)),
                ("/decrypt", decryptFile(payload: payload)),
            ] {
                let body = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file)))
                let answer = try await server.request("POST", route, json: body)
                guard answer.status == 200 else {
                    throw BenchError("\(route) (\(payload) B) answered \(answer.status): \(String(decoding: answer.body, as: UTF8.self))")
                }
            }
        }
    }

    private static func json(_ fields: [(String, String)]) -> String {
        "{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
    }

    private static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef")
        var text = ""
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return text
    }
}
