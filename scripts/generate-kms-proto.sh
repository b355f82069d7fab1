#!/usr/bin/env bash
# Regenerates the Swift code of the Kubernetes KMS v2 API (Sources/KMSProto/*.swift) from
# Protos/kms/v2/api.proto, with Debian's protoc and the protoc plugins of swift-protobuf and
# grpc-swift-protobuf built from the local package mirror at the versions pinned in
# Tools/ProtocPlugins/Package.swift. Writes Sources/KMSProto/GeneratedFrom.swift: the SHA-256 of
# the .proto, of each generated file, and the versions of protoc and the plugins, which
# KMSProtoTests compares with the files (so a .proto changed without regenerating, a
# hand-edited generated file or a plugin version bump without regenerating fails the tests).
#
#   scripts/generate-kms-proto.sh           # regenerate in place
#   scripts/generate-kms-proto.sh --check   # regenerate into a temporary directory and compare
#
# The first run builds the plugins (a few minutes) into .build-protoc; later runs reuse them.
# Needs protoc (Debian's protobuf-compiler; scripts/deps.sh protobuf-compiler installs it).
set -euo pipefail
cd "$(dirname "$0")/.."

check=false
[ "${1:-}" = "--check" ] && check=true

if ! command -v protoc >/dev/null 2>&1; then
  scripts/deps.sh protobuf-compiler >&2
fi
protoc_version=$(protoc --version | awk '{print $2}')

plugins=Tools/ProtocPlugins
scratch=.build-protoc
for product in protoc-gen-swift protoc-gen-grpc-swift-2; do
  swift build --package-path "$plugins" --scratch-path "$scratch" --product "$product" >&2
done
bin=$(swift build --package-path "$plugins" --scratch-path "$scratch" --show-bin-path)
# The versions the plugins were built from (the exact pins of the tools package).
pin() { sed -n "s|.*github.com/$1.git\", exact: \"\([0-9.]*\)\".*|\1|p" "$plugins/Package.swift"; }
swift_protobuf=$(pin apple/swift-protobuf)
grpc_swift_protobuf=$(pin grpc/grpc-swift-protobuf)
grpc_swift=$(pin grpc/grpc-swift-2)

proto=kms/v2/api.proto
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
protoc -I Protos \
  --plugin=protoc-gen-swift="$bin/protoc-gen-swift" \
  --plugin=protoc-gen-grpc-swift="$bin/protoc-gen-grpc-swift-2" \
  --swift_out="$out" --swift_opt=Visibility=Public,FileNaming=DropPath \
  --grpc-swift_out="$out" --grpc-swift_opt=Visibility=Public,Server=true,Client=true,FileNaming=DropPath \
  "$proto"

sha() { sha256sum "$1" | awk '{print $1}'; }
cat >"$out/GeneratedFrom.swift" <<SWIFT
// Written by scripts/generate-kms-proto.sh: what the generated files of this target were made
// from. KMSProtoTests checks these against the files; do not edit by hand.

/// The provenance of the generated KMS v2 code.
enum GeneratedFrom {
    /// The source, relative to the repository root.
    static let proto = "Protos/$proto"
    /// SHA-256 of the source.
    static let protoSHA256 = "$(sha "Protos/$proto")"
    /// SHA-256 of each generated file of this directory.
    static let files: [String: String] = [
        "api.pb.swift": "$(sha "$out/api.pb.swift")",
        "api.grpc.swift": "$(sha "$out/api.grpc.swift")",
    ]
    /// The generators: Debian's protoc and the plugins built from the local package mirror.
    static let protoc = "$protoc_version"
    static let swiftProtobuf = "$swift_protobuf"
    static let grpcSwiftProtobuf = "$grpc_swift_protobuf"
    static let grpcSwift = "$grpc_swift"
}
SWIFT

target=Sources/KMSProto
if $check; then
  status=0
  for file in api.pb.swift api.grpc.swift; do
    cmp -s "$out/$file" "$target/$file" || { echo "generate-kms-proto: $target/$file is stale" >&2; status=1; }
  done
  # The recorded protoc version may differ from this machine's without the output differing.
  if ! diff <(grep -v 'static let protoc ' "$out/GeneratedFrom.swift") <(grep -v 'static let protoc ' "$target/GeneratedFrom.swift") >&2; then
    echo "generate-kms-proto: $target/GeneratedFrom.swift is stale" >&2
    status=1
  fi
  [ $status -eq 0 ] && echo "generate-kms-proto: $target is up to date" >&2
  exit $status
fi
cp "$out/api.pb.swift" "$out/api.grpc.swift" "$out/GeneratedFrom.swift" "$target/"
echo "generate-kms-proto: wrote $target/api.pb.swift, api.grpc.swift, GeneratedFrom.swift" >&2
