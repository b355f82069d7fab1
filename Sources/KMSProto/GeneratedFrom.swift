// Written by scripts/generate-kms-proto.sh: what the generated files of this target were made
// from. KMSProtoTests checks these against the files; do not edit by hand.

/// The provenance of the generated KMS v2 code.
enum GeneratedFrom {
    /// The source, relative to the repository root.
    static let proto = "Protos/kms/v2/api.proto"
    /// SHA-256 of the source.
    static let protoSHA256 = "b3e8312f05b01be2e78c5a3cca618d3a49134f7ca1d9233c78e299ca9971040a"
    /// SHA-256 of each generated file of this directory.
    static let files: [String: String] = [
        "api.pb.swift": "3a86751cde1c3e807896a2354701d41285b16f046ad54c037b10fd8c8fbb9e78",
        "api.grpc.swift": "8ccd9f80a21b370cd7d3965b933529f37d4ae9d9fb627209eff71c7bb578f0dc",
    ]
    /// The generators: Debian's protoc and the plugins built from the local package mirror.
    static let protoc = "3.21.12"
    static let swiftProtobuf = "1.39.0"
    static let grpcSwiftProtobuf = "2.4.1"
    static let grpcSwift = "2.4.3"
}
