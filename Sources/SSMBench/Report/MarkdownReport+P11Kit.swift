extension MarkdownReport {
    /// p11-kit's RPC beside the same loop in-process and `/encrypt-pool` at the same payload.
    static func p11KitSection(_ results: BenchResults) -> [String] {
        guard let peer = results.p11kit else { return [] }
        var lines = ["", "## p11-kit's RPC: the existing way to share one HSM (\(Format.bytes(peer.payload)))", ""]
        if let reason = peer.skipped {
            return lines + ["Not measured: \(reason)."]
        }
        let best = peer.rpc.map(\.operationsPerSecond).max() ?? 0
        func share(_ rate: Double) -> String { best > 0 ? Format.decimal(rate / best, 2) : "–" }
        lines += [
            "`p11-kit server`\(peer.version.map { " (p11-kit \($0))" } ?? "") exports the bench token on a Unix socket; this process "
                + "loads `p11-kit-client.so` (`P11_KIT_SERVER_ADDRESS`) and runs the raw ceiling's loop through it, each thread on "
                + "its own session, every answer checked, with `\(peer.mechanism)`: the AES mode p11-kit's RPC carries (it passes "
                + "no IV or GCM parameters). The same loop on SoftHSM in this process alternates with it. `/encrypt-pool` "
                + "(AES-256-CBC, over HTTP and JSON) is at the same payload.", "",
            "Server: `\(peer.serverCommand)`", "",
            "| series | threads or connections | ops/s or req/s | ÷ best p11-kit RPC |", "|---|---|---|---|",
        ]
        for (name, points) in [("p11-kit RPC", peer.rpc), ("in-process", peer.inProcess)] {
            for point in points {
                lines.append(
                    "| \(name), `\(point.mechanism)` | \(point.threads) | \(Format.rate(point.operationsPerSecond)) | "
                        + "\(share(point.operationsPerSecond)) |")
            }
        }
        let size = results.plan.referencePoolSize
        for point in results.http where point.route == "/encrypt-pool" && point.payload == peer.payload && point.poolSize == size
        {
            lines.append(
                "| `/encrypt-pool`, pool \(size) | \(point.concurrency) | \(Format.rate(point.requestsPerSecond)) | "
                    + "\(share(point.requestsPerSecond)) |")
        }
        return lines
    }
}
