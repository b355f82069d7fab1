import Foundation
import NIOCore
import NIOFoundationCompat
import Testing

@testable import SSMServer

/// The safe fast paths against Foundation on many generated inputs (a seeded generator, so a
/// failure names an input that reproduces): `FlatJSON` gives `JSONDecoder`'s value or defers
/// to it, `Hex` agrees with a plain reference coder, `JSONWriter` writes `JSONEncoder`'s bytes.
@Suite("Wire coding fast paths: differential tests against Foundation")
struct WireCodingDifferentialTests {
    /// SplitMix64: small, seeded, the same sequence on every platform.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64

        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }

        mutating func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &self) < percent }
        mutating func pick<T>(_ choices: [T]) -> T { choices[Int.random(in: 0..<choices.count, using: &self)] }
    }

    /// Generates request bodies: mostly the flat shape, with every kind of deviation the fast
    /// path must either read exactly as `JSONDecoder` does or leave to it.
    struct BodyGenerator {
        var random: SeededGenerator

        /// Pieces of string content, raw bytes as they appear between the quotes.
        static let stringPieces: [[UInt8]] = [
            Array("key".utf8), Array("KEY_ENCRYPTION_AES256".utf8), Array("00ff".utf8), Array("cafeBABE".utf8), [],
            Array("é".utf8), Array("💡".utf8), Array("日本".utf8), Array("/".utf8), Array(" ".utf8),
            Array(#"\""#.utf8), Array(#"\\"#.utf8), Array(#"\n"#.utf8), Array(#"\u00e9"#.utf8), Array(#"\ud83d\udca1"#.utf8),
            Array(#"\/"#.utf8), Array(#"\u0000"#.utf8), Array(#"\x"#.utf8), Array(#"\ud800"#.utf8),  // escapes, some invalid
            [0x0a], [0x09], [0x01], [0x7f],  // raw control characters (invalid JSON but 0x7f)
            [0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xf4, 0x90, 0x80, 0x80],  // invalid UTF-8
        ]

        mutating func string() -> [UInt8] {
            var bytes: [UInt8] = [UInt8(ascii: "\"")]
            for _ in 0..<Int.random(in: 0...4, using: &random) {
                bytes += random.chance(70) ? random.pick(Array(Self.stringPieces.prefix(10))) : random.pick(Self.stringPieces)
            }
            return bytes + [UInt8(ascii: "\"")]
        }

        mutating func number() -> [UInt8] {
            let choices = [
                "0", "1", "9", "-1", "-0", "42", "2147483647", "2147483648", "9223372036854775807", "9223372036854775808",
                "-9223372036854775808", "-9223372036854775809", "99999999999999999999", "01", "-", "1.0", "1.5", "1e3", "1E3",
                "-2e-1", "0.0", "+1", ".5", "1.", "0x10", "NaN", "Infinity",
            ]
            return random.chance(50) ? Array(String(Int.random(in: -100_000...100_000, using: &random)).utf8) : Array(random.pick(choices).utf8)
        }

        mutating func value(depth: Int = 0) -> [UInt8] {
            switch Int.random(in: 0..<100, using: &random) {
            case 0..<45: return string()
            case 45..<80: return number()
            case 80..<85: return Array(random.pick(["true", "false", "null", "nul", "True"]).utf8)
            case 85..<92 where depth < 2: return object(fields: [], depth: depth + 1)
            case 92..<97 where depth < 2:
                let items = (0..<Int.random(in: 0...3, using: &random)).map { _ in value(depth: depth + 1) }
                return [UInt8(ascii: "[")] + Array(items.joined(separator: [UInt8(ascii: ",")])) + [UInt8(ascii: "]")]
            default: return string()
            }
        }

        mutating func space() -> [UInt8] {
            guard random.chance(30) else { return [] }
            // Valid JSON white space, and two that are not (form feed, no-break space).
            let spaces: [[UInt8]] = [[0x20], [0x09], [0x0a], [0x0d], [0x20, 0x20], [0x0c], [0xc2, 0xa0]]
            return random.pick(Array(spaces.prefix(random.chance(95) ? 5 : 7)))
        }

        /// An object with `fields` (each present with a fitting, odd or missing value) and
        /// other members, in any order.
        mutating func object(fields: [(name: String, integer: Bool)], depth: Int = 0) -> [UInt8] {
            var members: [[UInt8]] = []
            for field in fields where random.chance(92) {
                let value: [UInt8]
                switch Int.random(in: 0..<100, using: &random) {
                case 0..<70: value = field.integer ? number() : string()
                case 70..<85: value = field.integer ? string() : number()
                default: value = self.value(depth: depth)
                }
                var name = Array("\"\(field.name)\"".utf8)
                if random.chance(2) { name = Array(#""key\u005flabel""#.utf8) }  // an escaped member name
                members.append(name + space() + [UInt8(ascii: ":")] + space() + value)
                if random.chance(3) { members.append(members[members.count - 1]) }  // repeated member
            }
            for _ in 0..<(random.chance(25) ? Int.random(in: 1...3, using: &random) : 0) {
                members.append(string() + [UInt8(ascii: ":")] + value(depth: depth))
            }
            members.shuffle(using: &random)
            var body = space() + [UInt8(ascii: "{")] + space()
            body += Array(members.map { $0 + space() }.joined(separator: [UInt8(ascii: ",")] + space()))
            if random.chance(2) { body += [UInt8(ascii: ",")] }  // trailing comma
            body += [UInt8(ascii: "}")] + space()
            return body
        }

        /// An object with every one of `fields`, each of its type, strings without escapes:
        /// the shape the fast path reads (a third of the bodies, so that both paths are covered).
        mutating func plainObject(fields: [(name: String, integer: Bool)]) -> [UInt8] {
            let members = fields.shuffled(using: &random).map { field in
                let value =
                    field.integer
                    ? Array(String(Int.random(in: -1000...100_000, using: &random)).utf8)
                    : [UInt8(ascii: "\"")] + Array((0..<Int.random(in: 0...3, using: &random)).map { _ in random.pick(Array(Self.stringPieces.prefix(10))) }.joined())
                        + [UInt8(ascii: "\"")]
                return Array("\"\(field.name)\"".utf8) + space() + [UInt8(ascii: ":")] + space() + value
            }
            return space() + [UInt8(ascii: "{")] + Array(members.joined(separator: [UInt8(ascii: ",")] + space())) + [UInt8(ascii: "}")]
                + space()
        }

        /// A whole body: an object of `fields`, sometimes damaged.
        mutating func body(fields: [(name: String, integer: Bool)]) -> [UInt8] {
            if random.chance(33) { return plainObject(fields: fields) }
            var body = object(fields: fields)
            switch Int.random(in: 0..<100, using: &random) {
            case 0..<3: body = Array(body.prefix(Int.random(in: 0..<body.count, using: &random)))  // truncated
            case 3..<5: body += random.pick([Array("x".utf8), Array("{}".utf8), [0], Array(",".utf8)])  // trailing bytes
            case 5..<6: body = Array("[".utf8) + body + Array("]".utf8)  // not an object
            case 6..<8: body[Int.random(in: 0..<body.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
            default: break
            }
            return body
        }
    }

    /// Fast path and `JSONDecoder` on `count` generated bodies of `T`: whatever the fast path
    /// reads, `JSONDecoder` reads the same; returns how many the fast path read.
    static func compare<T: FlatJSONDecodable>(
        _ type: T.Type, integers: Set<String>, leaving excluded: Set<String> = [], seed: UInt64, count: Int
    ) -> (read: Int, decoded: Int) {
        var generator = BodyGenerator(random: SeededGenerator(state: seed))
        let fields = T.flatFields.filter { !excluded.contains($0) }.map { (name: $0, integer: integers.contains($0)) }
        var read = 0
        var decoded = 0
        for index in 0..<count {
            let body = generator.body(fields: fields)
            let fast = FlatJSON.read(ByteBuffer(bytes: body), fields: T.flatFields).flatMap { T(flatValues: $0) }
            let slow = try? JSONDecoder().decode(T.self, from: Data(body))
            if slow != nil { decoded += 1 }
            guard let fast else { continue }
            read += 1
            let shown = String(decoding: body, as: UTF8.self).debugDescription
            guard let slow else {
                Issue.record("\(T.self) #\(index): the fast path read \(shown), JSONDecoder refused it")
                continue
            }
            #expect("\(fast)" == "\(slow)", "\(T.self) #\(index): \(shown)")
        }
        return (read, decoded)
    }

    @Test("FlatJSON reads a generated body only when JSONDecoder reads it, and to the same value", arguments: [1 as UInt64, 2, 3])
    func flatAgreesWithDecoder(seed: UInt64) {
        let count = 4000
        let results = [
            Self.compare(EncryptRequest.self, integers: ["encryption_algorithm"], seed: seed, count: count),
            Self.compare(DecryptRequest.self, integers: ["id", "encryption_algorithm"], seed: seed &+ 10, count: count),
            Self.compare(EncryptGCMRequest.self, integers: [], seed: seed &+ 20, count: count),
            Self.compare(DecryptGCMRequest.self, integers: ["id"], seed: seed &+ 30, count: count),
        ]
        for result in results {
            // The generator reaches both sides: bodies the fast path reads, and bodies it
            // leaves to JSONDecoder (which reads some of them).
            #expect(result.read > count / 20, "\(results)")
            #expect(result.decoded > result.read, "\(results)")
        }
        // Transit's body has no required member, so JSONDecoder reads no more of these bodies
        // than the fast path does; its booleans always go to JSONDecoder (WireCodingTests) and
        // are not generated.
        let transit = Self.compare(
            TransitRequest.self, integers: ["key_version", "partial_failure_response_code", "bits"],
            leaving: ["derived", "convergent_encryption", "prehashed"], seed: seed &+ 40, count: count)
        #expect(transit.read > count / 20 && transit.decoded >= transit.read, "\(transit)")
    }

    /// A plain reference hex decoder.
    static func referenceDecode(_ text: String) -> [UInt8]? {
        let scalars = Array(text.unicodeScalars)
        guard scalars.count % 2 == 0, scalars.allSatisfy({ $0.isASCII && $0.properties.isASCIIHexDigit }) else { return nil }
        return stride(from: 0, to: scalars.count, by: 2).map { UInt8(String(scalars[$0...$0 + 1].map(Character.init)), radix: 16) ?? 0 }
    }

    @Test("Hex decodes exactly what a reference decoder does, and encodes as String(radix:) does")
    func hexAgreesWithReference() {
        var random = SeededGenerator(state: 7)
        let alphabet = Array("0123456789abcdefABCDEFgGxz -é💡\0".map(String.init))
        for _ in 0..<20_000 {
            let text = (0..<Int.random(in: 0...12, using: &random)).map { _ in
                random.chance(90) ? random.pick(Array(alphabet.prefix(22))) : random.pick(alphabet)
            }.joined()
            #expect(Hex.decode(text) == Self.referenceDecode(text), "\(text.debugDescription)")
        }
        for _ in 0..<2_000 {
            let bytes = (0..<Int.random(in: 0...40, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            let reference = bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
            #expect(Hex.encode(bytes) == reference)
            var buffer = ByteBuffer()
            Hex.write(bytes, into: &buffer)
            #expect(String(buffer: buffer) == reference)
            #expect(Hex.decode(reference) == bytes)
        }
    }

    @Test("JSONWriter writes JSONEncoder's bytes for generated strings")
    func writerAgreesWithEncoder() throws {
        var random = SeededGenerator(state: 11)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let pieces = ["a", "key", " ", "/", "\"", "\\", "é", "💡", "\u{2028}", "\u{7f}", "</", "日本"] + (0..<0x20).map { String(UnicodeScalar(UInt8($0))) }
        for _ in 0..<5_000 {
            let status = (0..<Int.random(in: 0...8, using: &random)).map { _ in random.pick(pieces) }.joined()
            let message = (0..<Int.random(in: 0...8, using: &random)).map { _ in random.pick(pieces) }.joined()
            let value = SystemController.Status(status: status, message: message)
            var writer = JSONWriter(capacity: 4)
            value.write(to: &writer)
            #expect(String(buffer: writer.finish()) == String(decoding: try encoder.encode(value), as: UTF8.self))
        }
    }
}
