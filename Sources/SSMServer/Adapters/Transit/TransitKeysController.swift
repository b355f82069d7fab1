import Hummingbird
import SSMCore

/// `/v1/keys`: create, list, describe, rotate, configure and delete named keys.
struct TransitKeysController {
    let transit: TransitService
    let bodyLimit: Int

    func addRoutes(to table: RouteRegistrar) {
        table.add(.get, ["/v1/keys"], .global(.list)) { _, context in
            // A client sees the names its policy lets it list.
            try JSONBody.response(TransitKeyListResponse(keys: try await transit.list().filter { context.mayList($0) }))
        }
        table.add(.post, ["/v1/keys/{name}"], .pathKey(.generate, parameter: "name")) { request, context in
            let name = try TransitSupport.name(context)
            let body = try await JSONBody.decode(
                TransitCreateKeyRequest.self, from: request, limit: bodyLimit, emptyAs: .empty)
            let typeName = body.type ?? TransitKeyType.aes256GCM.rawValue
            guard let type = TransitKeyType(rawValue: typeName) else {
                throw TransitError.invalidArgument(
                    "'type' must be one of " + TransitKeyType.allCases.map(\.rawValue).joined(separator: ", "))
            }
            let key = try await transit.create(name: name, type: type)
            return try JSONBody.response(TransitKeyResponse(key), status: .created)
        }
        table.add(.get, ["/v1/keys/{name}"], .pathKey(.list, parameter: "name")) { _, context in
            try JSONBody.response(TransitKeyResponse(try await transit.describe(name: try TransitSupport.name(context))))
        }
        table.add(.delete, ["/v1/keys/{name}"], .pathKey(.delete, parameter: "name")) { _, context in
            try await transit.delete(name: try TransitSupport.name(context))
            return Response(status: .noContent)
        }
        table.add(.post, ["/v1/keys/{name}/rotate"], .pathKey(.generate, parameter: "name")) { _, context in
            try JSONBody.response(TransitKeyResponse(try await transit.rotate(name: try TransitSupport.name(context))))
        }
        table.add(.put, ["/v1/keys/{name}/config"], .pathKey(.admin, parameter: "name")) { request, context in
            let name = try TransitSupport.name(context)
            let body = try await JSONBody.decode(TransitKeyConfigRequest.self, from: request, limit: bodyLimit)
            let key = try await transit.configure(
                name: name, minDecryptionVersion: body.minDecryptionVersion, deletionAllowed: body.deletionAllowed)
            return try JSONBody.response(TransitKeyResponse(key))
        }
    }
}
