import Hummingbird
import Synchronization

/// The routes of the server, registered on a Hummingbird router and remembered so that a
/// known path with the wrong method answers 405 with `Allow` rather than 404.
///
/// A class because the middleware that reads it must be installed on the router before
/// the routes it learns about.
final class RouteTable: Sendable {
    private let methods = Mutex<[String: [HTTPRequest.Method]]>([:])

    /// Records that `method` is served on `path`.
    func record(_ method: HTTPRequest.Method, _ path: String) {
        methods.withLock { $0[path, default: []].append(method) }
    }

    /// The methods allowed on `path`, or nil when the path is unknown.
    func allowedMethods(for path: String) -> [HTTPRequest.Method]? {
        var path = path
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        return methods.withLock { $0[path] }
    }
}

extension Array where Element == String {
    /// `path` at the root and again under SSM v1.6's `/crypto` prefix.
    static func rootAndCrypto(_ path: String) -> [String] { [path, "/crypto" + path] }
}

/// Registers routes on a router and records them in a ``RouteTable``.
struct RouteRegistrar {
    let router: Router<SSMRequestContext>
    let table: RouteTable

    /// Registers `handler` for `method` on each of `paths`.
    func add(
        _ method: HTTPRequest.Method, _ paths: [String],
        _ handler: @escaping @Sendable (Request, SSMRequestContext) async throws -> Response
    ) {
        for path in paths {
            router.on(RouterPath(path), method: method) { request, context in try await handler(request, context) }
            table.record(method, path)
        }
    }
}
