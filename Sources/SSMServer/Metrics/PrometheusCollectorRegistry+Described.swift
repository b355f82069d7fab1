import Prometheus

/// Metrics by full name and help text (the name is used as given: ssm's names already
/// carry their `ssm_` prefix and unit suffix).
extension PrometheusCollectorRegistry {
    private static func descriptor(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }

    /// The counter `name` with `labels`, made on first use.
    func counter(_ name: String, help: String, labels: [(String, String)] = []) -> Counter {
        makeCounter(descriptor: Self.descriptor(name, help), labels: labels)
    }

    /// The gauge `name` with `labels`, made on first use.
    func gauge(_ name: String, help: String, labels: [(String, String)] = []) -> Gauge {
        makeGauge(descriptor: Self.descriptor(name, help), labels: labels)
    }

    /// The duration histogram `name` with `labels`, made on first use.
    func durationHistogram(
        _ name: String, help: String, labels: [(String, String)] = [], buckets: [Duration]
    ) -> DurationHistogram {
        makeDurationHistogram(descriptor: Self.descriptor(name, help), labels: labels, buckets: buckets)
    }
}
