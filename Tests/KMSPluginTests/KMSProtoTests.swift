import Crypto
import Foundation
import GRPCCore
@testable import KMSProto
import SwiftProtobuf
import Testing

/// The generated code of Protos/kms/v2/api.proto is checked in (scripts/generate-kms-proto.sh
/// writes it and GeneratedFrom.swift): these tests fail when it is stale, so a change of the
/// .proto or of a generator version cannot land without regenerating (docs/kms-plugin.md,
/// "Generated code").
@Suite("KMS v2 generated code: made from the checked-in .proto by the pinned generators")
struct KMSProtoTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func sha256(_ path: String) throws -> String {
        let data = try Data(contentsOf: root.appendingPathComponent(path))
        return SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    @Test("the .proto is the one the code was generated from")
    func protoUnchanged() throws {
        #expect(
            try Self.sha256(GeneratedFrom.proto) == GeneratedFrom.protoSHA256,
            "\(GeneratedFrom.proto) changed: run scripts/generate-kms-proto.sh")
    }

    @Test("the generated files are as generated (not edited by hand)")
    func generatedFilesUnchanged() throws {
        let files = try FileManager.default.contentsOfDirectory(
            atPath: Self.root.appendingPathComponent("Sources/KMSProto").path)
        #expect(Set(files) == Set(GeneratedFrom.files.keys).union(["GeneratedFrom.swift"]))
        for (file, digest) in GeneratedFrom.files {
            #expect(try Self.sha256("Sources/KMSProto/\(file)") == digest, "\(file) differs from what the generator wrote")
        }
    }

    @Test("the generators are the versions the packages pin")
    func generatorVersions() throws {
        let tools = try String(
            contentsOf: Self.root.appendingPathComponent("Tools/ProtocPlugins/Package.swift"), encoding: .utf8)
        let package = try String(contentsOf: Self.root.appendingPathComponent("Package.swift"), encoding: .utf8)
        for (repository, version) in [
            ("apple/swift-protobuf", GeneratedFrom.swiftProtobuf), ("grpc/grpc-swift-protobuf", GeneratedFrom.grpcSwiftProtobuf),
            ("grpc/grpc-swift-2", GeneratedFrom.grpcSwift),
        ] {
            #expect(
                tools.contains("github.com/\(repository).git\", exact: \"\(version)\""),
                "Tools/ProtocPlugins pins another \(repository) than \(version): regenerate")
            #expect(
                package.contains("github.com/\(repository).git\", from: \"\(version)\""),
                "Package.swift asks for another \(repository) than the generator's \(version)")
        }
    }

    @Test("the messages round-trip through the wire format with the published field numbers")
    func wireFormat() throws {
        var request = V2_EncryptRequest()
        request.plaintext = Data([1, 2, 3])
        request.uid = "u"
        // Field 1 (bytes) = 01 02 03, field 2 (string) = "u": what any KMS v2 client sends.
        #expect(Array(try request.serializedData()) == [0x0a, 3, 1, 2, 3, 0x12, 1, 0x75])
        var response = V2_StatusResponse()
        response.version = "v2"
        response.healthz = "ok"
        response.keyID = "k"
        let decoded = try V2_StatusResponse(serializedBytes: try response.serializedData())
        #expect(decoded == response)
        #expect(V2_KeyManagementService.Method.Encrypt.descriptor.fullyQualifiedMethod == "v2.KeyManagementService/Encrypt")
    }
}
