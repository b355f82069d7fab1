extension SVGChart {
    /// The p11-kit bars' colour.
    static let p11KitColor = "#e6ab02"

    /// Bars side by side at `peer`'s payload: `/encrypt-pool` (reference pool size) at each
    /// concurrency, then p11-kit's RPC at each number of client threads.
    static func p11KitPanel(_ results: BenchResults, _ peer: P11KitResult, left: Double, top: Double, width: Double) -> [String] {
        let size = results.plan.referencePoolSize
        let poolColor = series.first { $0.route == "/encrypt-pool" }?.color ?? "#1b9e77"
        var bars: [(label: String, value: Double, color: String)] = results.plan.concurrency.compactMap { concurrency in
            results.http.first {
                $0.route == "/encrypt-pool" && $0.poolSize == size && $0.payload == peer.payload && $0.concurrency == concurrency
            }.map { ("c=\(concurrency)", $0.requestsPerSecond, poolColor) }
        }
        bars += peer.rpc.map { ("\($0.threads) thread\($0.threads == 1 ? "" : "s")", $0.operationsPerSecond, p11KitColor) }
        guard !bars.isEmpty else { return [] }
        let scale = niceCeiling((bars.map(\.value).max() ?? 1) * 1.1)
        let bottom = top + panelHeight
        func y(_ value: Double) -> Double { bottom - value / scale * panelHeight }
        var svg = [
            text(
                x: left, y: top - 10,
                "/encrypt-pool (HTTP, AES-CBC) vs p11-kit's RPC (\(peer.mechanism)), \(Format.bytes(peer.payload)) (req/s, ops/s)",
                weight: "bold")
        ]
        for tick in 0...4 {
            let value = scale * Double(tick) / 4
            svg.append(line(left, y(value), left + width, y(value), color: tick == 0 ? "#444" : "#ddd", width: 1))
            svg.append(text(x: left - 8, y: y(value) + 4, label(value), anchor: "end"))
        }
        let slot = width / Double(bars.count)
        for (index, bar) in bars.enumerated() {
            let x = left + slot * Double(index) + slot * 0.2
            let barWidth = slot * 0.6
            svg.append(
                "<rect x=\"\(Format.decimal(x, 1))\" y=\"\(Format.decimal(y(bar.value), 1))\" width=\"\(Format.decimal(barWidth, 1))\" "
                    + "height=\"\(Format.decimal(bottom - y(bar.value), 1))\" fill=\"\(bar.color)\"/>")
            svg.append(text(x: x + barWidth / 2, y: y(bar.value) - 4, Format.rate(bar.value), anchor: "middle"))
            svg.append(text(x: x + barWidth / 2, y: bottom + 16, bar.label, anchor: "middle"))
        }
        for (index, (color, name)) in [
            (poolColor, "ssm /encrypt-pool, pool \(size): connections"),
            (p11KitColor, "p11-kit-client.so → p11-kit server → SoftHSM: client threads"),
        ].enumerated() {
            let x = left + Double(index) * width / 2
            svg.append(
                "<rect x=\"\(Format.decimal(x, 1))\" y=\"\(Format.decimal(bottom + 24, 1))\" width=\"12\" height=\"12\" fill=\"\(color)\"/>"
            )
            svg.append(text(x: x + 18, y: bottom + 34, name))
        }
        return svg
    }
}
