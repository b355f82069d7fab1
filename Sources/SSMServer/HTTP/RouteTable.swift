import Hummingbird

/// The routes of the server: which methods each path serves, so that a known path with
/// the wrong method answers 405 with `Allow` rather than 404. Fixed once the router is
/// built, so reading it takes no lock.
struct RouteTable: Sendable {
    private let methods: [String: [HTTPRequest.Method]]
    /// The paths with `{parameter}` segments, split into segments.
    private let patterns: [(path: String, segments: [Substring])]

    /// The table of `routes`, (method, path) pairs.
    init(_ routes: [(HTTPRequest.Method, String)]) {
        var methods: [String: [HTTPRequest.Method]] = [:]
        for (method, path) in routes { methods[path, default: []].append(method) }
        self.methods = methods
        patterns = methods.keys.filter { $0.contains("{") }.sorted().map { ($0, $0.split(separator: "/")) }
    }

    /// The methods allowed on `path`, or nil when the path is unknown.
    func allowedMethods(for path: String) -> [HTTPRequest.Method]? {
        knownPath(path).flatMap { methods[$0] }
    }

    /// `path` as registered (trailing slashes removed) when it is a route's, else nil.
    func knownPath(_ path: String) -> String? {
        var path = path
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        if methods[path] != nil { return path }
        // A `{parameter}` segment matches any one segment (the pattern is returned).
        let segments = path.split(separator: "/")
        return patterns.first { pattern in
            pattern.segments.count == segments.count
                && zip(pattern.segments, segments).allSatisfy { $0.hasPrefix("{") || $0 == $1 }
        }?.path
    }
}

extension Array where Element == String {
    /// `path` at the root and again under SSM v1.6's `/crypto` prefix.
    static func rootAndCrypto(_ path: String) -> [String] { [path, "/crypto" + path] }
}

/// Collects the routes of the controllers, then registers them on a router once the
/// middleware that needs to know all of them (``RouteTable``, ``HTTPMetrics``) is in place.
///
/// Every route is added with its ``RouteAccess``: registration puts the ``SecurityGate``
/// (credentials, policy, rate limit) in front of its handler, so no route escapes it.
///
/// A class so that controllers can add to it through a shared reference; used only while
/// the router is built.
final class RouteRegistrar {
    typealias Handler = @Sendable (Request, SSMRequestContext) async throws -> Response

    private var entries: [(method: HTTPRequest.Method, path: String, access: RouteAccess, handler: Handler)] = []

    /// Adds `handler` for `method` on each of `paths`, authorized as `access` says.
    func add(_ method: HTTPRequest.Method, _ paths: [String], _ access: RouteAccess, _ handler: @escaping Handler) {
        for path in paths { entries.append((method, path, access, handler)) }
    }

    /// Every (method, path) added so far.
    var routes: [(HTTPRequest.Method, String)] { entries.map { ($0.method, $0.path) } }

    /// Every (method, path, access) added so far.
    var classifiedRoutes: [(method: HTTPRequest.Method, path: String, access: RouteAccess)] {
        entries.map { ($0.method, $0.path, $0.access) }
    }

    /// Registers every route on `router` (after its middleware: Hummingbird applies a
    /// router's middleware to the routes added after it), each behind `gate`.
    func register(on router: Router<SSMRequestContext>, gate: SecurityGate) {
        for entry in entries {
            let handler = entry.handler
            let access = entry.access
            router.on(RouterPath(entry.path), method: entry.method) { request, context in
                try await gate.handle(request, context: context, access: access, handler)
            }
        }
    }
}
