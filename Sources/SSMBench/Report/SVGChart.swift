import Foundation

/// `chart.svg`: for the reference pool size, one row per payload with two panels — throughput
/// and p99 latency against concurrency — each with `/encrypt`, `/encrypt-pool` and `/decrypt`;
/// the throughput panel also draws the ceiling 1/(1/H + 1/R) for that payload. Then a row sets
/// `/encrypt-pool` beside p11-kit's RPC when it was measured, and one sets every protocol
/// (`/encrypt-pool`, Transit, KMS) side by side when they were.
enum SVGChart {
    /// `/encrypt-pool`'s colour, in every panel.
    static let poolColor = "#1b9e77"
    static let series: [(route: String, color: String)] = [
        ("/encrypt", "#d95f02"), ("/encrypt-pool", poolColor), ("/decrypt", "#7570b3"),
    ]
    private static let panelWidth = 420.0
    static let panelHeight = 230.0
    private static let margin = (left: 70.0, right: 20.0, top: 30.0, bottom: 40.0)

    static func render(_ results: BenchResults) -> String {
        let plan = results.plan
        let size = plan.referencePoolSize
        let columns = 2.0
        let width = columns * (panelWidth + margin.left + margin.right)
        let headerHeight = 70.0
        let rowHeight = panelHeight + margin.top + margin.bottom
        let peer = results.p11kit.flatMap { $0.skipped == nil ? $0 : nil }
        let protocols = results.kms.flatMap { $0.isEmpty ? nil : $0 }
        let extraRows = (peer == nil ? 0 : 1) + (protocols == nil ? 0 : 1)
        let height = headerHeight + Double(plan.payloads.count + extraRows) * rowHeight + 10
        var svg = [
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" "
                + "viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"sans-serif\" font-size=\"12\">",
            "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>",
            text(
                x: 20, y: 24,
                "ssm-bench \(results.started): pool.maxSize \(size), \(results.machine.cores) cores (\(results.machine.cpu))",
                size: 15, weight: "bold"),
        ]
        // Legend.
        var x = 20.0
        for (route, color) in series {
            svg.append(line(x, 48, x + 24, 48, color: color, width: 2.5))
            svg.append(text(x: x + 30, y: 52, route))
            x += 150
        }
        svg.append(line(x, 48, x + 24, 48, color: "#888", width: 1.5, dash: "5,4"))
        svg.append(text(x: x + 30, y: 52, "ceiling 1/(1/H + 1/R)"))

        for (row, payload) in plan.payloads.enumerated() {
            let top = headerHeight + Double(row) * rowHeight
            let points = { (route: String) in
                plan.concurrency.map { concurrency in
                    results.http.first {
                        $0.route == route && $0.poolSize == size && $0.payload == payload && $0.concurrency == concurrency
                    }
                }
            }
            let ceiling = Self.ceiling(results, payload: payload)
            svg += panel(
                left: margin.left, top: top + margin.top, title: "throughput, \(Format.bytes(payload)) (req/s)",
                concurrency: plan.concurrency, values: series.map { ($0.color, points($0.route).map { $0?.requestsPerSecond }) },
                reference: ceiling)
            svg += panel(
                left: panelWidth + margin.left * 2 + margin.right, top: top + margin.top,
                title: "p99 latency, \(Format.bytes(payload)) (ms)", concurrency: plan.concurrency,
                values: series.map { ($0.color, points($0.route).map { $0?.p99Milliseconds }) }, reference: nil)
        }
        var row = plan.payloads.count
        if let peer {
            svg += p11KitPanel(
                results, peer, left: margin.left, top: headerHeight + Double(row) * rowHeight + margin.top,
                width: width - margin.left - margin.right)
            row += 1
        }
        if let protocols {
            svg += protocolPanel(
                protocols, left: margin.left, top: headerHeight + Double(row) * rowHeight + margin.top,
                width: width - margin.left - margin.right)
        }
        svg.append("</svg>")
        return svg.joined(separator: "\n") + "\n"
    }

    /// 1/(1/H + 1/R) for `payload`: the best `/health-check` and the best CBC raw rate.
    static func ceiling(_ results: BenchResults, payload: Int) -> Double? {
        guard let h = results.http.filter({ $0.route == "/health-check" }).map(\.requestsPerSecond).max(),
            let r = results.raw.filter({ $0.mechanism == "CKM_AES_CBC_PAD" && $0.payload == payload }).map(\.operationsPerSecond).max(),
            h > 0, r > 0
        else { return nil }
        return 1 / (1 / h + 1 / r)
    }

    private static func panel(
        left: Double, top: Double, title: String, concurrency: [Int], values: [(color: String, values: [Double?])],
        reference: Double?
    ) -> [String] {
        let highest = max(values.flatMap { $0.values.compactMap { $0 } }.max() ?? 1, reference ?? 0)
        let scale = niceCeiling(highest * 1.05)
        var svg = [text(x: left, y: top - 10, title, weight: "bold")]
        let bottom = top + panelHeight
        func y(_ value: Double) -> Double { bottom - value / scale * panelHeight }
        func x(_ index: Int) -> Double {
            concurrency.count == 1 ? left + panelWidth / 2 : left + 20 + Double(index) * (panelWidth - 40) / Double(concurrency.count - 1)
        }
        for tick in 0...4 {
            let value = scale * Double(tick) / 4
            svg.append(line(left, y(value), left + panelWidth, y(value), color: tick == 0 ? "#444" : "#ddd", width: 1))
            svg.append(text(x: left - 8, y: y(value) + 4, label(value), anchor: "end"))
        }
        svg.append(line(left, top, left, bottom, color: "#444", width: 1))
        for (index, value) in concurrency.enumerated() {
            svg.append(text(x: x(index), y: bottom + 16, "\(value)", anchor: "middle"))
        }
        svg.append(text(x: left + panelWidth / 2, y: bottom + 32, "concurrency (connections)", anchor: "middle"))
        if let reference {
            svg.append(line(left, y(reference), left + panelWidth, y(reference), color: "#888", width: 1.5, dash: "5,4"))
        }
        for (color, series) in values {
            let points = series.enumerated().compactMap { index, value in value.map { (x(index), y($0)) } }
            if points.count > 1 {
                let path = points.map { "\(decimal($0.0)),\(decimal($0.1))" }.joined(separator: " ")
                svg.append("<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2.5\"/>")
            }
            for point in points {
                svg.append("<circle cx=\"\(decimal(point.0))\" cy=\"\(decimal(point.1))\" r=\"3.5\" fill=\"\(color)\"/>")
            }
        }
        return svg
    }

    /// The smallest scale at or above `value` whose quarter is 1, 2, 2.5 or 5 × 10^k, so that
    /// the four grid steps have round labels.
    static func niceCeiling(_ value: Double) -> Double {
        guard value > 0 else { return 1 }
        let quarter = value / 4
        let magnitude = pow(10, floor(log10(quarter)))
        for step in [1.0, 2.0, 2.5, 5.0, 10.0] where step * magnitude >= quarter {
            return 4 * step * magnitude
        }
        return 40 * magnitude
    }

    static func label(_ value: Double) -> String {
        if value >= 1000 { return Format.rate(value) }
        if value == value.rounded() { return String(Int(value)) }
        return value >= 1 ? Format.decimal(value, 1) : Format.decimal(value, 2)
    }

    private static func decimal(_ value: Double) -> String { Format.decimal(value, 1) }

    static func line(
        _ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, color: String, width: Double, dash: String? = nil
    ) -> String {
        "<line x1=\"\(decimal(x1))\" y1=\"\(decimal(y1))\" x2=\"\(decimal(x2))\" y2=\"\(decimal(y2))\" stroke=\"\(color)\" "
            + "stroke-width=\"\(width)\"\(dash.map { " stroke-dasharray=\"\($0)\"" } ?? "")/>"
    }

    static func text(
        x: Double, y: Double, _ content: String, size: Int = 12, weight: String = "normal", anchor: String = "start"
    ) -> String {
        let escaped = content.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
        return "<text x=\"\(decimal(x))\" y=\"\(decimal(y))\" font-size=\"\(size)\" font-weight=\"\(weight)\" "
            + "text-anchor=\"\(anchor)\">\(escaped)</text>"
    }
}
