// swift-tools-version: 6.1
// The protoc plugins that generate Sources/KMSPlugin/Generated from Protos/kms/v2/api.proto.
// Built by scripts/generate-kms-proto.sh only; the ssm package never depends on this one.
// The versions here are the ones the generated files record; change them together with
// the versions in the root Package.swift (KMSProtoTests checks they agree).
import PackageDescription

let package = Package(
    name: "ProtocPlugins",
    dependencies: [
        .package(url: "https://github.com/apple/swift-protobuf.git", exact: "1.39.0"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf.git", exact: "2.4.1"),
        .package(url: "https://github.com/grpc/grpc-swift-2.git", exact: "2.4.3"),
    ],
    targets: []
)
