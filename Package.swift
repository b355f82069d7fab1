// swift-tools-version: 6.2
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "ssm",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "ssm", targets: ["ssm"]),
        .executable(name: "ssm-bench", targets: ["ssm-bench"]),
        .library(name: "PKCS11", targets: ["PKCS11"]),
        .library(name: "SessionPool", targets: ["SessionPool"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-atomics.git", from: "1.3.0"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0", traits: ["YAML"]),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.8.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        // The Kubernetes KMS v2 plugin (gRPC on a Unix socket): the runtime only; the code
        // generators are built by scripts/generate-kms-proto.sh (Tools/ProtocPlugins).
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0", traits: []),
        .package(url: "https://github.com/grpc/grpc-swift-2.git", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport.git", from: "2.9.2"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf.git", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        // The PKCS#11 header (p11-kit's) and nothing else.
        .target(name: "CPKCS11"),
        // The typed PKCS#11 layer: the only importer of CPKCS11, the only code with unsafe pointers.
        .target(
            name: "PKCS11",
            dependencies: ["CPKCS11"],
            swiftSettings: swiftSettings
        ),
        // A generic, HSM-agnostic pool of resources (PKCS#11 sessions in production).
        .target(
            name: "SessionPool",
            dependencies: [
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Keys and crypto operations over the pool.
        .target(
            name: "SSMCore",
            dependencies: [
                "PKCS11",
                "SessionPool",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The HTTP layer: configuration, routes, models, errors, middleware.
        .target(
            name: "SSMServer",
            dependencies: [
                "SSMCore",
                .product(name: "Atomics", package: "swift-atomics"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings,
            plugins: ["EmbedOpenAPIDocument"]
        ),
        // The Kubernetes KMS v2 API (Protos/kms/v2/api.proto): messages, server and client stubs,
        // generated by scripts/generate-kms-proto.sh and checked in.
        .target(
            name: "KMSProto",
            dependencies: [
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        // The Kubernetes KMS v2 plugin: `v2.KeyManagementService` on a Unix socket over
        // SSMCore's Transit keys (an adapter: no PKCS11, no SessionPool, no HTTP).
        .target(
            name: "KMSPlugin",
            dependencies: [
                "KMSProto",
                "SSMCore",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Embeds docs/openapi.yaml, the API's one hand-edited description, in SSMServer at build time.
        .plugin(
            name: "EmbedOpenAPIDocument",
            capability: .buildTool(),
            dependencies: ["EmbedOpenAPI"]
        ),
        // The plugin's tool: writes a file as a Swift string literal.
        .executableTarget(
            name: "EmbedOpenAPI",
            swiftSettings: swiftSettings
        ),
        // A SoftHSM token directory (softhsm2.conf, openssl.cnf, tokens/) and its tokens: the one
        // implementation behind `ssm token init`, `ssm-bench` and the tests' fixture.
        .target(
            name: "SoftHSMSetup",
            dependencies: ["PKCS11"],
            swiftSettings: swiftSettings
        ),
        // The benchmark's measurements (in-process ceilings, servers under wrk) and their reports.
        .target(
            name: "SSMBench",
            dependencies: [
                "KMSProto",
                "PKCS11",
                "SessionPool",
                "SoftHSMSetup",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: swiftSettings
        ),
        // `ssm-bench`: the benchmark's command line; it starts the `ssm` executable, never links it.
        .executableTarget(
            name: "ssm-bench",
            dependencies: [
                "SSMBench",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "ssm",
            dependencies: [
                "KMSPlugin",
                "SSMCore",
                "SSMServer",
                "SoftHSMSetup",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Test support: a SoftHSM token in a temporary directory, shared by the test process.
        .target(
            name: "SoftHSMTestSupport",
            dependencies: ["PKCS11", "SoftHSMSetup"],
            path: "Tests/SoftHSMTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SessionPoolTests",
            dependencies: ["SessionPool"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PKCS11Tests",
            dependencies: [
                "PKCS11",
                "SoftHSMTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "KMSPluginTests",
            dependencies: [
                "KMSPlugin",
                "KMSProto",
                "PKCS11",
                "SSMCore",
                "SessionPool",
                "SoftHSMTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SSMBenchTests",
            dependencies: ["SSMBench"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SSMServerTests",
            dependencies: [
                // PKCS11 and SessionPool only to look at the token and inject the lower layers'
                // failures (HSMTests, ResilienceTests, MetricsTests, TransitDurabilityTests).
                "PKCS11",
                "SSMCore",
                "SSMServer",
                "SessionPool",
                "SoftHSMTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
