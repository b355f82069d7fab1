import Foundation
import Yams

/// Refuses keys ssm does not know, so that a typo (`pool: {maxsize: 3}`, `SSM_POOL_MAXSIZ=3`)
/// stops start-up instead of leaving the default in place. The error names the key as written
/// and the nearest known one; never a value.
enum UnknownKeys {
    /// Throws for the first unknown key of the YAML file, then of the `SSM_*` variables.
    ///
    /// An `SSM_*` variable is checked when it starts like a key's section (`SSM_POOL_…`) or
    /// is one or two letters away from a known variable; other `SSM_*` names (`SSM_TOKEN_DIR`
    /// of the scripts) are not ssm's configuration and are left alone.
    static func check(yaml: String, environment: [String: String]) throws {
        let known = AppConfiguration.keys
        if let unknown = try fileKeys(yaml).first(where: { !known.contains($0) }) {
            throw ConfigurationError(key: unknown, "unknown key" + suggestion(for: unknown))
        }
        let variables = known.map { (name: AppConfiguration.environmentVariable(for: $0), key: $0) }
        let sections = Set(known.map { AppConfiguration.environmentVariable(for: String($0.prefix { $0 != "." })) + "_" })
        for name in environment.keys.sorted() where name.hasPrefix("SSM_") && !variables.contains(where: { $0.name == name }) {
            // The first nearest in the order of the keys, so that the hint is always the same.
            let nearest = variables.min { distance(name, $0.name) < distance(name, $1.name) }
            let close = nearest.map { distance(name, $0.name) <= 2 } ?? false
            guard close || sections.contains(where: { name.hasPrefix($0) }) else { continue }
            let hint = nearest.map { "; did you mean \($0.name) (\($0.key))?" } ?? ""
            throw ConfigurationError(key: name, "unknown configuration variable" + hint)
        }
    }

    /// The dotted paths of the file's values (`pool.maxSize`), but not those under `clients`.
    /// A section left empty (`tls:` with its keys commented out) has no values.
    static func fileKeys(_ yaml: String) throws -> [String] {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw ConfigurationError(key: "--config", "the file is not valid YAML")
        }
        var keys: [String] = []
        func walk(_ node: Node, _ path: String) {
            if let mapping = node.mapping {
                for (key, value) in mapping {
                    let name = key.string ?? "\(key)"
                    if path.isEmpty && name == "clients" { continue }
                    walk(value, path.isEmpty ? name : "\(path).\(name)")
                }
            } else if node.null == nil || AppConfiguration.keys.contains(path) {
                keys.append(path)
            } else if !AppConfiguration.keys.contains(where: { $0.hasPrefix(path + ".") }) {
                keys.append(path)  // an empty value under a name that is no section either
            }
        }
        if let root { walk(root, "") }
        return keys
    }

    /// "; did you mean pool.maxSize?" for the known key nearest to `key`, if any is near.
    static func suggestion(for key: String) -> String {
        let known = AppConfiguration.keys
        guard let nearest = known.min(by: { distance(key, $0) < distance(key, $1) }),
            distance(key, nearest) <= max(3, key.count / 3)
        else {
            let section = key.prefix { $0 != "." }
            let siblings = known.filter { $0.hasPrefix(section + ".") }
            return siblings.isEmpty ? "" : " (known under \(section): \(siblings.joined(separator: ", ")))"
        }
        return "; did you mean \(nearest)?"
    }

    /// Edit distance between `a` and `b`, ignoring letter case (`maxsize` is next to `maxSize`).
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a.lowercased()), b = Array(b.lowercased())
        guard !a.isEmpty, !b.isEmpty else { return max(a.count, b.count) }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
