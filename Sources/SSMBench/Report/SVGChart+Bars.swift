extension SVGChart {
    /// The p11-kit bars' colour.
    static let p11KitColor = "#e6ab02"
    /// The protocol panel's series and colours: every protocol ssm serves, on 32 bytes.
    static let protocolSeries: [(series: String, color: String)] = [
        ("/encrypt-pool", poolColor), ("/v1/transit/encrypt", "#1f78b4"), ("/v1/transit/decrypt", "#7570b3"),
        ("KMS Encrypt", "#e7298a"),
    ]

    /// One bar of a bar panel.
    struct Bar {
        var label: String
        var value: Double
        var color: String
    }

    /// Bars side by side at `peer`'s payload: `/encrypt-pool` (reference pool size) at each
    /// concurrency, then p11-kit's RPC at each number of client threads.
    static func p11KitPanel(_ results: BenchResults, _ peer: P11KitResult, left: Double, top: Double, width: Double) -> [String] {
        let size = results.plan.referencePoolSize
        var bars: [Bar] = results.plan.concurrency.compactMap { concurrency in
            results.http.first {
                $0.route == "/encrypt-pool" && $0.poolSize == size && $0.payload == peer.payload && $0.concurrency == concurrency
            }.map { Bar(label: "c=\(concurrency)", value: $0.requestsPerSecond, color: poolColor) }
        }
        bars += peer.rpc.map { Bar(label: "\($0.threads) thread\($0.threads == 1 ? "" : "s")", value: $0.operationsPerSecond, color: p11KitColor) }
        return barPanel(
            title: "/encrypt-pool (HTTP, AES-CBC) vs p11-kit's RPC (\(peer.mechanism)), \(Format.bytes(peer.payload)) (req/s, ops/s)",
            bars: bars,
            legend: [
                (poolColor, "ssm /encrypt-pool, pool \(size): connections"),
                (p11KitColor, "p11-kit-client.so → p11-kit server → SoftHSM: client threads"),
            ], left: left, top: top, width: width)
    }

    /// Every protocol on the same server and payload: `/encrypt-pool`, Transit encrypt and
    /// decrypt (HTTP, wrk) and the KMS plugin's `Encrypt` (gRPC, h2load), at each concurrency.
    static func protocolPanel(_ kms: [KMSResult], left: Double, top: Double, width: Double) -> [String] {
        var bars: [Bar] = []
        for (name, color) in protocolSeries {
            for point in kms.filter({ $0.series == name }).sorted(by: { $0.concurrency < $1.concurrency }) {
                bars.append(Bar(label: "c=\(point.concurrency)", value: point.requestsPerSecond, color: color))
            }
        }
        let payload = kms.first.map { Format.bytes($0.payload) } ?? ""
        return barPanel(
            title: "every protocol on one server, \(payload) (req/s, calls/s)", bars: bars,
            legend: protocolSeries.map { ($0.color, $0.series) }, left: left, top: top, width: width)
    }

    /// A titled bar chart with a value above each bar, a label below, and a legend.
    static func barPanel(
        title: String, bars: [Bar], legend: [(color: String, name: String)], left: Double, top: Double, width: Double
    ) -> [String] {
        guard !bars.isEmpty else { return [] }
        let scale = niceCeiling((bars.map(\.value).max() ?? 1) * 1.1)
        let bottom = top + panelHeight
        func y(_ value: Double) -> Double { bottom - value / scale * panelHeight }
        var svg = [text(x: left, y: top - 10, title, weight: "bold")]
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
        for (index, entry) in legend.enumerated() {
            let x = left + Double(index) * width / Double(legend.count)
            svg.append(
                "<rect x=\"\(Format.decimal(x, 1))\" y=\"\(Format.decimal(bottom + 24, 1))\" width=\"12\" height=\"12\" fill=\"\(entry.color)\"/>"
            )
            svg.append(text(x: x + 18, y: bottom + 34, entry.name))
        }
        return svg
    }
}
