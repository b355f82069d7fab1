import CoreMetrics
import Prometheus

/// A swift-metrics factory over a Prometheus registry that gives the metrics it knows a
/// `# HELP` text and, for timers, their own buckets; anything else goes to a plain
/// `PrometheusMetricsFactory` over the same registry.
///
/// ssm's libraries (``SSMCore/KeyService``) report through swift-metrics with a factory
/// handed to them, never through the global `MetricsSystem`, so a test can give each
/// application a registry of its own.
struct DescribedMetricsFactory: MetricsFactory {
    /// What a metric label is documented with.
    struct Description: Sendable {
        /// The `# HELP` text.
        var help: String
        /// The histogram buckets of a timer.
        var buckets: [Duration] = []
    }

    let registry: PrometheusCollectorRegistry
    let descriptions: [String: Description]
    private let plain: PrometheusMetricsFactory

    init(registry: PrometheusCollectorRegistry, descriptions: [String: Description]) {
        self.registry = registry
        self.descriptions = descriptions
        self.plain = PrometheusMetricsFactory(registry: registry)
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        guard let description = descriptions[label] else { return plain.makeCounter(label: label, dimensions: dimensions) }
        return registry.counter(label, help: description.help, labels: dimensions)
    }

    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        guard let description = descriptions[label], !description.buckets.isEmpty else {
            return plain.makeTimer(label: label, dimensions: dimensions)
        }
        return registry.durationHistogram(label, help: description.help, labels: dimensions, buckets: description.buckets)
    }

    func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        plain.makeFloatingPointCounter(label: label, dimensions: dimensions)
    }

    func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        plain.makeMeter(label: label, dimensions: dimensions)
    }

    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        plain.makeRecorder(label: label, dimensions: dimensions, aggregate: aggregate)
    }

    func destroyCounter(_ handler: any CounterHandler) { plain.destroyCounter(handler) }
    func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) { plain.destroyFloatingPointCounter(handler) }
    func destroyMeter(_ handler: any MeterHandler) { plain.destroyMeter(handler) }
    func destroyRecorder(_ handler: any RecorderHandler) { plain.destroyRecorder(handler) }
    func destroyTimer(_ handler: any TimerHandler) { plain.destroyTimer(handler) }
}
