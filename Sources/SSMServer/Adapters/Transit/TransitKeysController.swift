import HTTPTypes
import Hummingbird
import SSMCore

/// `/v1/<mount>/keys`: create, read, list, configure, rotate, trim and delete named keys
/// (Vault's `path_keys.go`, `path_config_keys.go`, `path_rotate.go`, `path_trim.go`), and the
/// Vault routes that would take key material out of the HSM, refused.
///
/// Operations in client policies: list and read `list`, create and rotate `generate`, config
/// `admin`, trim and delete `delete`.
struct TransitKeysController {
    let transit: TransitService
    let mount: String
    let bodyLimit: Int
    /// The shortest `auto_rotate_period` accepted, in seconds.
    let minAutoRotatePeriod: Int

    func addRoutes(to table: RouteRegistrar) {
        let keys = "/v1/\(mount)/keys"
        // LINK is LIST as it arrives over the network (``ListMethodRewriter``).
        for method in [HTTPRequest.Method.get, .list, .link] {
            table.add(method, [keys], .global(.list)) { _, context in
                // A client sees the names its policy lets it list; none is 404, as in Vault.
                let names = try await transit.list().filter { context.mayList($0) }
                guard !names.isEmpty else { throw Problem(.notFound, "NOT_FOUND", "") }
                return VaultResponse.ok(context) { $0.field("keys", strings: names) }
            }
        }
        table.add(.get, ["\(keys)/{name}"], .pathKey(.list, parameter: "name")) { _, context in
            try VaultResponse.ok(context, data: TransitKeyResponse(try await transit.describe(name: try Self.name(context))))
        }
        table.add(.delete, ["\(keys)/{name}"], .pathKey(.delete, parameter: "name")) { _, context in
            try await transit.delete(name: try Self.name(context))
            return VaultResponse.noContent
        }
        for method in [HTTPRequest.Method.post, .put] {
            table.add(method, ["\(keys)/{name}"], .pathKey(.generate, parameter: "name")) { request, context in
                let body = try await JSONBody.decode(TransitKeyRequest.self, from: request, limit: bodyLimit, emptyAs: .empty)
                return try VaultResponse.ok(context, data: TransitKeyResponse(try await create(try Self.name(context), body)))
            }
            table.add(method, ["\(keys)/{name}/config"], .pathKey(.admin, parameter: "name")) { request, context in
                let body = try await JSONBody.decode(TransitKeyRequest.self, from: request, limit: bodyLimit, emptyAs: .empty)
                try Self.refuseExport(body)
                let change = TransitService.Configuration(
                    minDecryptionVersion: body.minDecryptionVersion, minEncryptionVersion: body.minEncryptionVersion,
                    deletionAllowed: body.deletionAllowed, autoRotatePeriod: try period(body.autoRotatePeriod))
                let key = try await transit.configure(name: try Self.name(context), change)
                return try VaultResponse.ok(context, data: TransitKeyResponse(key))
            }
            table.add(method, ["\(keys)/{name}/rotate"], .pathKey(.generate, parameter: "name")) { _, context in
                try VaultResponse.ok(context, data: TransitKeyResponse(try await transit.rotate(name: try Self.name(context))))
            }
            table.add(method, ["\(keys)/{name}/trim"], .pathKey(.delete, parameter: "name")) { request, context in
                let body = try await JSONBody.decode(TransitKeyRequest.self, from: request, limit: bodyLimit, emptyAs: .empty)
                guard let minimum = body.minAvailableVersion else {
                    throw TransitError.invalidArgument("missing field 'min_available_version'")
                }
                let key = try await transit.trim(name: try Self.name(context), minAvailableVersion: minimum)
                return try VaultResponse.ok(context, data: TransitKeyResponse(key))
            }
        }
        addRefusedRoutes(to: table)
    }

    /// Creates `name` as `body` asks, or answers the existing key (Vault's create is an upsert).
    func create(_ name: String, _ body: TransitKeyRequest) async throws -> TransitKeyDescription {
        let type = try VaultFields.type(body.type)
        try Self.refuseDerivation(derived: body.derived, convergent: body.convergentEncryption)
        try Self.refuseExport(body)
        if let size = body.keySize, size != 0, !(type == .hmacSHA256 && size == 64) {
            throw TransitError.invalidArgument("'key_size' is not supported: ssm's hmac keys have 64 bytes, other types a fixed size")
        }
        do {
            return try await transit.create(name: name, type: type, autoRotatePeriod: try period(body.autoRotatePeriod))
        } catch TransitError.keyExists {
            return try await transit.describe(name: name)
        }
    }

    /// `auto_rotate_period` in seconds: 0 (off) or at least ``minAutoRotatePeriod``.
    func period(_ text: String?) throws(TransitError) -> Int? {
        guard let text else { return nil }
        let seconds = try VaultFields.seconds(text, field: "auto_rotate_period")
        guard seconds == 0 || seconds >= minAutoRotatePeriod else {
            throw .invalidArgument("'auto_rotate_period' must be 0 (off) or at least \(minAutoRotatePeriod) seconds")
        }
        return seconds
    }

    /// Export, backup, restore and import exist in Vault; ssm's keys never leave the HSM.
    private func addRefusedRoutes(to table: RouteRegistrar) {
        let base = "/v1/\(mount)"
        let refusals: [(HTTPRequest.Method, [String], String)] = [
            (.get, ["\(base)/export/{type}/{name}", "\(base)/export/{type}/{name}/{version}"], "export"),
            (.get, ["\(base)/backup/{name}"], "backup"),
            (.post, ["\(base)/restore", "\(base)/restore/{name}"], "restore"),
            (.post, ["\(base)/keys/{name}/import", "\(base)/keys/{name}/import_version"], "key import (BYOK)"),
            (.get, ["\(base)/wrapping_key"], "key import (BYOK)"),
            (.get, ["\(base)/byok-export/{destination}/{source}", "\(base)/byok-export/{destination}/{source}/{version}"], "BYOK export"),
        ]
        for (method, paths, what) in refusals {
            table.add(method, paths, .authenticated) { _, _ -> Response in
                throw TransitError.invalidArgument(
                    "\(what) is not supported: ssm's keys are non-extractable HSM objects that never leave the token")
            }
        }
    }

    static func refuseExport(_ body: TransitKeyRequest) throws(TransitError) {
        if body.exportable == true || body.allowPlaintextBackup == true {
            throw .invalidArgument(
                "'exportable' and 'allow_plaintext_backup' are not supported: ssm's keys are non-extractable HSM objects")
        }
    }

    static func refuseDerivation(derived: Bool?, convergent: Bool?) throws(TransitError) {
        if derived == true || convergent == true {
            throw .invalidArgument(
                "'derived' and 'convergent_encryption' are not supported: the HSM cannot derive per-context keys from ssm's non-extractable keys")
        }
    }

    /// The `{name}` path parameter, validated.
    static func name(_ context: SSMRequestContext) throws -> String {
        let name = context.parameters.get("name") ?? ""
        guard TransitLimits.isValidName(name) else { throw TransitError.invalidName(name) }
        return name
    }
}

