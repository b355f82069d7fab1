/// The targets of issues 4 and 17 (with issue 7's batch target and issue 16's KMS target), each
/// evaluated as a ratio (or a bound) on figures of the same run.
enum Targets {
    static func evaluate(_ results: BenchResults) -> [TargetResult] {
        let plan = results.plan
        let payload = plan.smallestPayload
        let size = plan.referencePoolSize
        let http = results.http
        func best(_ route: String, poolSize: Int? = nil, payload: Int) -> HTTPResult? {
            http.filter { $0.route == route && $0.payload == payload && (poolSize == nil || $0.poolSize == poolSize) }
                .max { $0.requestsPerSecond < $1.requestsPerSecond }
        }
        func point(_ route: String, concurrency: Int) -> HTTPResult? {
            http.first { $0.route == route && $0.payload == payload && $0.poolSize == size && $0.concurrency == concurrency }
        }
        var targets: [TargetResult] = []

        // 1. /encrypt-pool at the combined ceiling of HTTP and PKCS#11.
        let h = http.filter { $0.route == "/health-check" }.max { $0.requestsPerSecond < $1.requestsPerSecond }
        let r = results.raw.filter { $0.mechanism == "CKM_AES_CBC_PAD" && $0.payload == payload }
            .max { $0.operationsPerSecond < $1.operationsPerSecond }
        if let h, let r, let pool = best("/encrypt-pool", payload: payload) {
            let bound = 1 / (1 / h.requestsPerSecond + 1 / r.operationsPerSecond)
            let ratio = pool.requestsPerSecond / bound
            targets.append(
                TargetResult(
                    name: "/encrypt-pool \(Format.bytes(payload)) throughput vs 1/(1/H + 1/R)", requirement: ">= 0.9",
                    value: ratio, unit: "x",
                    detail: "best /encrypt-pool \(Format.rate(pool.requestsPerSecond)) req/s (pool \(pool.poolSize), c=\(pool.concurrency)); "
                        + "H \(Format.rate(h.requestsPerSecond)) req/s (c=\(h.concurrency)); R \(Format.rate(r.operationsPerSecond)) ops/s "
                        + "(\(r.threads == 1 ? "1 thread" : "\(r.threads) threads")); 1/(1/H + 1/R) = \(Format.rate(bound)) req/s"
                        + (CPUCost(results).map { "; in CPU time per request the same ratio is \(Format.decimal($0.ratio, 2))" } ?? ""),
                    verdict: ratio >= 0.9 ? "pass" : "fail"))
        } else {
            targets.append(missing("/encrypt-pool \(Format.bytes(payload)) throughput vs 1/(1/H + 1/R)", ">= 0.9", "x"))
        }

        // 2. Latency: p99 <= 1 ms at 4 connections; p99 <= 3 x p50 at 64.
        let latencyName = "/encrypt-pool \(Format.bytes(payload)) p99 at concurrency 4"
        if let measured = point("/encrypt-pool", concurrency: 4) {
            targets.append(
                TargetResult(
                    name: latencyName, requirement: "<= 1 ms", value: measured.p99Milliseconds, unit: "ms",
                    detail: "pool \(size); p50 \(Format.milliseconds(measured.p50Milliseconds)), \(Format.rate(measured.requestsPerSecond)) req/s",
                    verdict: measured.p99Milliseconds <= 1 ? "pass" : "fail"))
        } else {
            targets.append(missing(latencyName, "<= 1 ms", "ms"))
        }
        let spreadName = "/encrypt-pool \(Format.bytes(payload)) p99 / p50 at concurrency 64"
        if let measured = point("/encrypt-pool", concurrency: 64), measured.p50Milliseconds > 0 {
            let spread = measured.p99Milliseconds / measured.p50Milliseconds
            targets.append(
                TargetResult(
                    name: spreadName, requirement: "<= 3", value: spread, unit: "x",
                    detail: "pool \(size); p50 \(Format.milliseconds(measured.p50Milliseconds)), p99 \(Format.milliseconds(measured.p99Milliseconds)), "
                        + "\(Format.rate(measured.requestsPerSecond)) req/s",
                    verdict: spread <= 3 ? "pass" : "fail"))
        } else {
            targets.append(missing(spreadName, "<= 3", "x"))
        }

        // 3. Pool overhead.
        if let uncontended = results.pool.first(where: { $0.name == "uncontended" }) {
            targets.append(
                TargetResult(
                    name: "pool acquire + release, uncontended", requirement: "<= 250 ns",
                    value: uncontended.nanosecondsPerOperation, unit: "ns",
                    detail: "ResourcePool.withResource, in-memory factory, one task",
                    verdict: uncontended.nanosecondsPerOperation <= 250 ? "pass" : "fail"))
        }

        // 4. Memory.
        if let memory = results.memory {
            let idle = Double(memory.idleKiB) / 1024
            // The larger reading: connections that have encrypted keep deeper async frames.
            let growth = Double(max(memory.keepAliveKiB, memory.keepAliveAfterEncryptKiB) - memory.idleKiB) / 1024
            targets.append(
                TargetResult(
                    name: "server RSS idle", requirement: "<= 40 MiB", value: idle, unit: "MiB",
                    detail: "pool \(memory.poolSize), after warm-up, no connection open", verdict: idle <= 40 ? "pass" : "fail"))
            targets.append(
                TargetResult(
                    name: "RSS growth with \(memory.keepAliveConnections) keep-alive connections", requirement: "<= 10 MiB",
                    value: growth, unit: "MiB",
                    detail: "idle \(Format.mebibytes(memory.idleKiB)); \(Format.mebibytes(memory.keepAliveKiB)) with them open after "
                        + "/health-check, \(Format.mebibytes(memory.keepAliveAfterEncryptKiB)) after /encrypt-pool; "
                        + "\(memory.keepAliveAnswered) answered a last request",
                    verdict: growth <= 10 && memory.keepAliveAnswered == memory.keepAliveConnections ? "pass" : "fail"))
        } else {
            targets.append(missing("server RSS idle", "<= 40 MiB", "MiB"))
        }

        // 5. Pooling pays.
        if let pool = best("/encrypt-pool", poolSize: size, payload: payload),
            let perRequest = best("/encrypt", poolSize: size, payload: payload)
        {
            let ratio = pool.requestsPerSecond / perRequest.requestsPerSecond
            targets.append(
                TargetResult(
                    name: "/encrypt-pool vs /encrypt throughput (\(Format.bytes(payload)))", requirement: ">= 1.5", value: ratio,
                    unit: "x",
                    detail: "pool \(size); best of each: /encrypt-pool \(Format.rate(pool.requestsPerSecond)) req/s (c=\(pool.concurrency)), "
                        + "/encrypt \(Format.rate(perRequest.requestsPerSecond)) req/s (c=\(perRequest.concurrency))",
                    verdict: ratio >= 1.5 ? "pass" : "fail"))
        } else {
            targets.append(missing("/encrypt-pool vs /encrypt throughput", ">= 1.5", "x"))
        }

        // 6. /v1 batches against the raw ceiling (issue 7), in items per second.
        let name = "/v1/transit/encrypt batch items/s vs raw AES-GCM ceiling"
        if let batch = results.batch?.max(by: { $0.ratio < $1.ratio }) {
            targets.append(
                TargetResult(
                    name: name, requirement: ">= 0.8", value: batch.ratio, unit: "x",
                    detail: "\(batch.batchSize) items of \(Format.bytes(batch.payload)) per request, c=\(batch.concurrency): "
                        + "\(Format.rate(batch.itemsPerSecond)) items/s; raw CKM_AES_GCM \(Format.rate(batch.rawOperationsPerSecond)) ops/s",
                    verdict: batch.ratio >= 0.8 && batch.errors == 0 ? "pass" : "fail"))
        } else {
            targets.append(missing(name, ">= 0.8", "x"))
        }

        // 7. The KMS plugin's Encrypt at least at the /v1/transit/encrypt HTTP rate (issue 16), best of each.
        let kmsName = "KMS Encrypt (gRPC, 32 B) vs /v1/transit/encrypt (HTTP, single item) throughput"
        let kms = results.kms ?? []
        func fastest(_ series: String) -> KMSResult? {
            kms.filter { $0.series == series }.max { $0.requestsPerSecond < $1.requestsPerSecond }
        }
        if let grpc = fastest(KMSThroughput.series), let v1 = fastest("/v1/transit/encrypt"), v1.requestsPerSecond > 0 {
            let ratio = grpc.requestsPerSecond / v1.requestsPerSecond
            targets.append(
                TargetResult(
                    name: kmsName, requirement: ">= 1.0", value: ratio, unit: "x",
                    detail: "KMS Encrypt \(Format.rate(grpc.requestsPerSecond)) calls/s (c=\(grpc.concurrency)); "
                        + "/v1/transit/encrypt \(Format.rate(v1.requestsPerSecond)) req/s (c=\(v1.concurrency))"
                        + (fastest("/encrypt-pool").map { "; /encrypt-pool \(Format.rate($0.requestsPerSecond)) req/s (c=\($0.concurrency))" } ?? ""),
                    verdict: ratio >= 1.0 && grpc.errors == 0 ? "pass" : "fail"))
        } else {
            targets.append(missing(kmsName, ">= 1.0", "x"))
        }

        // 8. Every crypto route at least 0.9 of /encrypt-pool, best of each: SSM's /decrypt at
        // the bench's payload, and every protocol's call on 32 bytes from the KMS comparison.
        if let pool = best("/encrypt-pool", poolSize: size, payload: payload), let decrypt = best("/decrypt", poolSize: size, payload: payload) {
            targets.append(routeRatio("/decrypt", decrypt.requestsPerSecond, decrypt.concurrency, "/encrypt-pool", (pool.requestsPerSecond, pool.concurrency), payload))
        }
        if let pool = fastest("/encrypt-pool") {
            for series in [KMSThroughput.series, "/v1/transit/encrypt", "/v1/transit/decrypt"] {
                guard let route = fastest(series) else {
                    targets.append(missing("\(series) (32 B) vs /encrypt-pool throughput", ">= 0.9", "x"))
                    continue
                }
                targets.append(
                    routeRatio(series, route.requestsPerSecond, route.concurrency, "/encrypt-pool", (pool.requestsPerSecond, pool.concurrency), 32,
                        errors: route.errors))
            }
        }

        // 9. A slow HSM does not stall the health check.
        let slowName = "/health-check p99 at 1 connection while 32 encrypt on a 50 ms HSM"
        if let slow = results.slowHSM {
            targets.append(
                TargetResult(
                    name: slowName, requirement: "< 50 ms", value: slow.healthP99Milliseconds, unit: "ms",
                    detail: "fault module: every C_Encrypt \(slow.delayMilliseconds) ms slower; /health-check p50 "
                        + "\(Format.milliseconds(slow.healthP50Milliseconds)), max \(Format.milliseconds(slow.healthMaxMilliseconds)), "
                        + "\(Format.rate(slow.healthRequestsPerSecond)) req/s; /encrypt-pool \(Format.rate(slow.encryptRequestsPerSecond)) req/s"
                        + (slow.encryptErrors + slow.healthErrors > 0 ? "; \(slow.encryptErrors + slow.healthErrors) errors" : ""),
                    verdict: slow.healthP99Milliseconds < 50 && slow.healthErrors == 0 && slow.encryptErrors == 0 ? "pass" : "fail"))
        } else {
            targets.append(missing(slowName, "< 50 ms", "ms"))
        }
        targets.append(p11KitTarget(results))
        return targets
    }

    /// `route`'s best rate against `reference`'s (same run, same payload): at least 0.9.
    private static func routeRatio(
        _ route: String, _ rate: Double, _ concurrency: Int, _ referenceName: String, _ reference: (requestsPerSecond: Double, concurrency: Int),
        _ payload: Int, errors: Int = 0
    ) -> TargetResult {
        let ratio = reference.requestsPerSecond > 0 ? rate / reference.requestsPerSecond : 0
        return TargetResult(
            name: "\(route) (\(Format.bytes(payload))) vs \(referenceName) throughput", requirement: ">= 0.9", value: ratio, unit: "x",
            detail: "best of each: \(route) \(Format.rate(rate)) req/s (c=\(concurrency)), \(referenceName) "
                + "\(Format.rate(reference.requestsPerSecond)) req/s (c=\(reference.concurrency))" + (errors > 0 ? "; \(errors) errors" : ""),
            verdict: ratio >= 0.9 && errors == 0 ? "pass" : "fail")
    }

    static func missing(_ name: String, _ requirement: String, _ unit: String) -> TargetResult {
        TargetResult(name: name, requirement: requirement, value: nil, unit: unit, detail: "not measured in this run", verdict: "n/a")
    }
}

/// CPU per request of `/encrypt-pool` against its parts (the HTTP path and the PKCS#11 work),
/// for the smallest payload at the reference pool size.
struct CPUCost {
    let payload: Int
    let poolSize: Int
    /// `/health-check`, CPU µs per request, at its best-throughput concurrency.
    let http: Double
    /// R on one thread, CPU µs per encryption.
    let pkcs11: Double
    /// `/encrypt-pool`, CPU µs per request, at its best-throughput concurrency.
    let encryptPool: Double

    /// (http + pkcs11) / encryptPool: 1 when ssm adds nothing to its parts.
    var ratio: Double { (http + pkcs11) / encryptPool }

    init?(_ results: BenchResults) {
        let payload = results.plan.smallestPayload
        let poolSize = results.plan.referencePoolSize
        let bestHealth = results.http.filter { $0.route == "/health-check" }.max { $0.requestsPerSecond < $1.requestsPerSecond }
        let bestPool = results.http.filter { $0.route == "/encrypt-pool" && $0.payload == payload && $0.poolSize == poolSize }
            .max { $0.requestsPerSecond < $1.requestsPerSecond }
        guard let health = bestHealth, let pool = bestPool, pool.serverCPUMicrosecondsPerRequest > 0,
            let raw = results.raw.first(where: { $0.mechanism == "CKM_AES_CBC_PAD" && $0.payload == payload && $0.threads == 1 })
        else { return nil }
        self.payload = payload
        self.poolSize = poolSize
        http = health.serverCPUMicrosecondsPerRequest
        pkcs11 = raw.cpuMicrosecondsPerOperation
        encryptPool = pool.serverCPUMicrosecondsPerRequest
    }
}
