import Foundation

/// Writes a run's results folder: `results.md`, `results.json` and `chart.svg`.
public enum BenchReport {
    /// The files written, relative to the folder.
    public static let files = ["results.md", "results.json", "chart.svg"]

    /// Writes the three files into `directory` (created if needed).
    public static func write(_ results: BenchResults, to directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try encoder.encode(results).write(to: URL(fileURLWithPath: directory + "/results.json"))
        try writeViews(results, to: directory)
    }

    /// Writes `results.md` and `chart.svg` again from a run's `results.json` (after a change to
    /// the report's format), into `directory`.
    public static func rerender(resultsFile: String, to directory: String) throws {
        let results = try JSONDecoder().decode(BenchResults.self, from: Data(contentsOf: URL(fileURLWithPath: resultsFile)))
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try writeViews(results, to: directory)
    }

    private static func writeViews(_ results: BenchResults, to directory: String) throws {
        try MarkdownReport.render(results).write(toFile: directory + "/results.md", atomically: true, encoding: .utf8)
        try SVGChart.render(results).write(toFile: directory + "/chart.svg", atomically: true, encoding: .utf8)
    }
}
