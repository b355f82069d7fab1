import Foundation
import Hummingbird
import NIOCore
import NIOFoundationCompat
import Testing

@testable import SSMServer

/// The hand-written fast paths of the hot routes give exactly what Foundation gives: the
/// `JSONWriter` the bytes of `JSONEncoder` (sorted keys, slashes unescaped), `FlatJSON` the
/// values of `JSONDecoder` or no answer at all, `Timestamp` the text of `ISO8601Format()`.
@Suite("Wire coding fast paths")
struct WireCodingTests {
    private static func encoded(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    private static func written(_ value: some JSONWritable) -> String {
        var writer = JSONWriter(capacity: 8)
        value.write(to: &writer)
        let buffer = writer.finish()
        return String(buffer: buffer)
    }

    @Test("JSONWriter writes JSONEncoder's bytes for every fast-path response")
    func writerMatchesEncoder() throws {
        let bytes: [UInt8] = Array(0...255)
        let now = Timestamp.now()
        let responses: [any JSONWritable] = [
            EncryptResponse(cipher: HexBytes(bytes), iv: HexBytes([1, 2, 3]), id: 7, ok: true, timeCreated: now, timeUpdated: now),
            EncryptResponse(cipher: HexBytes([]), iv: HexBytes([0xff]), id: -1, ok: false, timeCreated: "", timeUpdated: "x"),
            DecryptResponse(plain: HexBytes(bytes)),
            EncryptGCMResponse(
                cipher: HexBytes([9]), iv: HexBytes(bytes), tag: HexBytes([0xab]), id: Int32.max, ok: true, timeCreated: now,
                timeUpdated: now),
            DecryptGCMResponse(plain: HexBytes([]), id: Int32.min, ok: true, timeCreated: now, timeUpdated: now),
            SystemController.Status(status: "READY", message: "logged in to token 'a/b \"c\" \\ é 💡'"),
        ]
        for response in responses {
            #expect(Self.written(response) == (try Self.encoded(response)))
        }
    }

    @Test("JSONWriter escapes strings as JSONEncoder does")
    func writerEscapes() throws {
        var tricky = (0..<0x20).map { String(UnicodeScalar(UInt8($0))) }.joined()
        tricky += "\"\\/ \u{7f} é \u{2028} \u{2029} 💡 </script>"
        let status = SystemController.Status(status: tricky, message: String(tricky.reversed()))
        #expect(Self.written(status) == (try Self.encoded(status)))
    }

    private static func flat<T: FlatJSONDecodable>(_ type: T.Type, _ json: String) -> T? {
        FlatJSON.read(ByteBuffer(string: json), fields: T.flatFields).flatMap { T(flatValues: $0) }
    }

    @Test("FlatJSON reads the common shape as JSONDecoder does")
    func flatMatchesDecoder() throws {
        let bodies = [
            #"{"key_label":"KEY_ENCRYPTION_AES256","plain":"00ff","encryption_algorithm":1}"#,
            #" { "encryption_algorithm" : 9 ,"plain":"","key_label":"ü/label", "extra": "ignored", "n": -0 } "#,
            "{\"key_label\":\"a\",\n\t\"plain\":\"ab\",\r\n\"encryption_algorithm\":-9223372036854775808}",
        ]
        for body in bodies {
            let fast = try #require(Self.flat(EncryptRequest.self, body), "\(body)")
            let slow = try JSONDecoder().decode(EncryptRequest.self, from: Data(body.utf8))
            #expect(fast.keyLabel == slow.keyLabel && fast.plain == slow.plain && fast.encryptionAlgorithm == slow.encryptionAlgorithm)
        }
        let decrypt = try #require(Self.flat(DecryptRequest.self, #"{"key_label":"k","cipher":"aa","iv":"bb","id":3,"encryption_algorithm":1}"#))
        #expect(decrypt.keyLabel == "k" && decrypt.cipher == "aa" && decrypt.iv == "bb" && decrypt.id == 3 && decrypt.encryptionAlgorithm == 1)
        let gcm = try #require(Self.flat(DecryptGCMRequest.self, #"{"key_label":"k","cipher":"aa","iv":"bb","tag":"cc","id":3}"#))
        #expect(gcm.aad == nil && gcm.tag == "cc")
        #expect(Self.flat(EncryptGCMRequest.self, #"{"key_label":"k","plain":"aa","aad":"75"}"#)?.aad == "75")
    }

    @Test("Transit's one-item bodies take the fast path; booleans and integers as strings go to JSONDecoder")
    func transitFlat() throws {
        let simple = #"{"plaintext":"aGVsbG8=","associated_data":"YQ==","key_version":2,"salt_length":32,"reference":"r"}"#
        let fast = try #require(Self.flat(TransitRequest.self, simple))
        let slow = try JSONDecoder().decode(TransitRequest.self, from: Data(simple.utf8))
        #expect("\(fast)" == "\(slow)")
        #expect(fast.item.plaintext == "aGVsbG8=" && fast.item.keyVersion == 2 && fast.saltLength == "32" && fast.items.count == 1)
        // Vault's strings for numbers and booleans: JSONDecoder's rules (VaultFields) read them.
        for body in [
            #"{"plaintext":"aGk=","key_version":"2"}"#, #"{"plaintext":"aGk=","derived":"true"}"#,
            #"{"input":"aGk=","prehashed":"1"}"#, #"{"plaintext":"aGk=","convergent_encryption":"false"}"#,
        ] {
            #expect(Self.flat(TransitRequest.self, body) == nil, "\(body)")
            #expect((try? JSONDecoder().decode(TransitRequest.self, from: Data(body.utf8))) != nil, "\(body)")
        }
        #expect(Self.flat(TransitRequest.self, #"{"batch_input":[{"plaintext":"aGk="}]}"#) == nil)
        #expect(Self.flat(TransitRequest.self, #"{"plaintext":5}"#) == nil)
    }

    @Test("FlatJSON gives up on anything else, so JSONDecoder decides", arguments: [
        #"{"key_label":"k","plain":"00"}"#,  // missing member: JSONDecoder names it
        #"{"key_label":"k","plain":"00","encryption_algorithm":"1"}"#,  // wrong type
        #"{"key_label":"k\u0041","plain":"00","encryption_algorithm":1}"#,  // escape sequence
        #"{"key_label":"k","plain":"00","encryption_algorithm":1.0}"#,  // fraction
        #"{"key_label":"k","plain":"00","encryption_algorithm":1e0}"#,  // exponent
        #"{"key_label":"k","plain":"00","encryption_algorithm":01}"#,  // leading zero
        #"{"key_label":"k","plain":"00","encryption_algorithm":99999999999999999999}"#,  // beyond Int
        #"{"key_label":"k","key_label":"j","plain":"00","encryption_algorithm":1}"#,  // repeated member
        #"{"key_label":"k","plain":"00","encryption_algorithm":1,"x":[1]}"#,  // nested value
        #"{"key_label":"k","plain":"00","encryption_algorithm":1,"x":null}"#,  // null
        #"{"key_label":"k","plain":"00","encryption_algorithm":1,}"#,  // trailing comma
        #"{"key_label":"k","plain":"00","encryption_algorithm":1} x"#,  // trailing text
        #"{"key_label":"k","plain":"00","encryption_algorithm":1"#,  // truncated
        #"[{"key_label":"k"}]"#, "", "{", "{}",
    ])
    func flatGivesUp(body: String) {
        #expect(Self.flat(EncryptRequest.self, body) == nil)
    }

    @Test("FlatJSON refuses invalid UTF-8 and control characters")
    func flatRefusesBadBytes() {
        var invalid = ByteBuffer(string: #"{"key_label":""#)
        invalid.writeBytes([0xff, 0xfe])
        invalid.writeString(#"","plain":"00","encryption_algorithm":1}"#)
        #expect(FlatJSON.read(invalid, fields: EncryptRequest.flatFields) == nil)
        #expect(Self.flat(EncryptRequest.self, "{\"key_label\":\"a\u{01}\",\"plain\":\"00\",\"encryption_algorithm\":1}") == nil)
    }

    @Test("Timestamp formats as Date.ISO8601Format()", arguments: [0, 951_782_400, 1_798_000_000, 1_800_000_000, 4_102_444_799])
    func timestamp(seconds: Int) {
        #expect(Timestamp.format(secondsSince1970: seconds) == Date(timeIntervalSince1970: TimeInterval(seconds)).ISO8601Format())
    }

    @Test("Hex round-trips and refuses bad digits")
    func hex() {
        let bytes: [UInt8] = Array(0...255)
        let text = Hex.encode(bytes)
        #expect(text == bytes.map { String(format: "%02x", $0) }.joined())
        #expect(Hex.decode(text) == bytes)
        #expect(Hex.decode(text.uppercased()) == bytes)
        #expect(Hex.decode("0") == nil && Hex.decode("0g") == nil && Hex.decode("") == [])
        var buffer = ByteBuffer()
        Hex.write(bytes, into: &buffer)
        #expect(String(buffer: buffer) == text)
    }

    @Test("request ids are distinct version-4 UUIDs in lower case")
    func requestIDs() {
        let ids = (0..<1000).map { _ in RequestIDGenerator.next() }
        #expect(Set(ids).count == ids.count)
        for id in ids {
            let parts = id.split(separator: "-", omittingEmptySubsequences: false)
            #expect(parts.map(\.count) == [8, 4, 4, 4, 12], "\(id)")
            #expect(id.allSatisfy { $0 == "-" || $0.isHexDigit && !$0.isUppercase }, "\(id)")
            #expect(parts[2].first == "4" && "89ab".contains(parts[3].first ?? "x"), "\(id)")
            #expect(UUID(uuidString: id) != nil)
        }
    }
}
