import Foundation
import Testing

/// A parsed Prometheus text exposition: one sample per series line, and the `# HELP` texts.
struct PrometheusText {
    struct Sample {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    let samples: [Sample]
    let help: [String: String]

    init(_ text: String) throws {
        var samples: [Sample] = []
        var help: [String: String] = [:]
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# HELP ") {
                let rest = line.dropFirst("# HELP ".count)
                if let space = rest.firstIndex(of: " ") { help[String(rest[..<space])] = String(rest[rest.index(after: space)...]) }
                continue
            }
            if line.hasPrefix("#") { continue }
            let space = try #require(line.lastIndex(of: " "), "no value in \(line)")
            let value = try #require(Double(line[line.index(after: space)...]), "bad value in \(line)")
            let series = line[..<space]
            guard let brace = series.firstIndex(of: "{") else {
                samples.append(Sample(name: String(series), labels: [:], value: value))
                continue
            }
            var labels: [String: String] = [:]
            let body = series[series.index(after: brace)..<series.index(before: series.endIndex)]
            let pattern = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/
            for match in body.matches(of: pattern) { labels[String(match.1)] = String(match.2) }
            samples.append(Sample(name: String(series[..<brace]), labels: labels, value: value))
        }
        self.samples = samples
        self.help = help
    }

    /// The value of the series `name` with exactly `labels`, or nil.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { $0.name == name && $0.labels == labels }?.value
    }

    /// The series of `name`.
    func series(_ name: String) -> [Sample] {
        samples.filter { $0.name == name }
    }
}
