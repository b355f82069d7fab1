extension Targets {
    /// The target's name.
    static let p11KitName = "/encrypt-pool vs p11-kit's RPC throughput (same payload)"

    /// Issue 17: `/encrypt-pool` at least at p11-kit's RPC rate for the same payload in the same
    /// run (ssm, over HTTP and JSON, ahead of the binary PKCS#11 remoting it replaces); best of
    /// each (any pool size and concurrency; 1 or N client threads).
    static func p11KitTarget(_ results: BenchResults) -> TargetResult {
        guard let peer = results.p11kit else { return missing(p11KitName, ">= 1.0", "x") }
        if let reason = peer.skipped {
            return TargetResult(
                name: p11KitName, requirement: ">= 1.0", value: nil, unit: "x", detail: "p11-kit not measured: \(reason)",
                verdict: "n/a")
        }
        let pool = results.http.filter { $0.route == "/encrypt-pool" && $0.payload == peer.payload }
            .max { $0.requestsPerSecond < $1.requestsPerSecond }
        guard let pool, let rpc = peer.rpc.max(by: { $0.operationsPerSecond < $1.operationsPerSecond }),
            rpc.operationsPerSecond > 0
        else { return missing(p11KitName, ">= 1.0", "x") }
        let ratio = pool.requestsPerSecond / rpc.operationsPerSecond
        return TargetResult(
            name: p11KitName, requirement: ">= 1.0", value: ratio, unit: "x",
            detail: "\(Format.bytes(peer.payload)): best /encrypt-pool \(Format.rate(pool.requestsPerSecond)) req/s "
                + "(pool \(pool.poolSize), c=\(pool.concurrency), AES-CBC); best p11-kit RPC \(Format.rate(rpc.operationsPerSecond)) ops/s "
                + "(\(rpc.threads == 1 ? "1 thread" : "\(rpc.threads) threads"), \(peer.mechanism))",
            verdict: ratio >= 1.0 && pool.errors == 0 ? "pass" : "fail")
    }
}
