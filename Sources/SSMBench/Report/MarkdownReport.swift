/// `results.md`: the run's figures as Markdown tables, targets first.
enum MarkdownReport {
    static let routes = ["/encrypt", "/encrypt-pool", "/decrypt"]

    static func render(_ results: BenchResults) -> String {
        let plan = results.plan
        let machine = results.machine
        var lines: [String] = [
            "# ssm-bench, \(results.started)", "",
            "- **Machine:** \(machine.cpu), \(machine.cores) cores, \(machine.memoryMiB / 1024) GiB, \(machine.kernel); "
                + "\(machine.softHSM.isEmpty ? "" : "SoftHSM \(machine.softHSM); ")\(machine.wrk).",
            "- **Load average** (1/5/15 min) at start \(machine.loadAverageAtStart), at end \(machine.loadAverageAtEnd).",
            "- **Plan:** payloads \(plan.payloads.map(Format.bytes).joined(separator: ", ")); concurrency "
                + "\(plan.concurrency.map(String.init).joined(separator: ", ")); pool sizes "
                + "\(plan.poolSizes.map(String.init).joined(separator: ", ")); \(plan.secondsPerPoint) s per HTTP point "
                + "(wrk, \(plan.loadThreads) thread, closed loop); in-process measurements \(Format.decimal(plan.inProcessSeconds, 1)) s each; "
                + "server log level `\(plan.serverLogLevel)`, `pool.minSize` = `pool.maxSize`"
                + plan.serverSettings.sorted { $0.key < $1.key }.map { ", `\($0.key)=\($0.value)`" }.joined() + ".",
            "- **Took** \(Int(results.elapsedSeconds / 60)) min \(Int(results.elapsedSeconds) % 60) s.", "",
            "## Targets", "",
            "| target | requirement | measured | verdict | from |", "|---|---|---|---|---|",
        ]
        for target in results.targets {
            let value = target.value.map { Format.decimal($0, target.unit == "x" ? 2 : (target.unit == "ns" ? 0 : 2)) + " " + target.unit } ?? "–"
            let verdict = target.verdict == "pass" ? "**pass**" : (target.verdict == "fail" ? "**FAIL**" : "n/a")
            lines.append("| \(target.name) | \(target.requirement) | \(value) | \(verdict) | \(target.detail) |")
        }
        lines += [
            "", "## Raw ceiling R: PKCS#11 in-process", "",
            "Encryptions through the typed `PKCS11` layer, without HTTP: each thread on its own reused session, the key handle found once.", "",
            "| mechanism | payload | threads | ops/s | µs/op per thread | CPU µs/op |", "|---|---|---|---|---|---|",
        ]
        for raw in results.raw {
            lines.append(
                "| \(raw.mechanism) | \(Format.bytes(raw.payload)) | \(raw.threads) | \(Format.rate(raw.operationsPerSecond)) | "
                    + "\(Format.decimal(raw.microsecondsPerOperation, 1)) | \(Format.decimal(raw.cpuMicrosecondsPerOperation, 1)) |")
        }
        lines += [
            "", "## HTTP ceiling H: `GET /health-check`", "",
            "| concurrency | req/s | p50 | p99 | server CPU µs/req | errors |", "|---|---|---|---|---|---|",
        ]
        for point in results.http where point.route == "/health-check" {
            lines.append(
                "| \(point.concurrency) | \(Format.rate(point.requestsPerSecond)) | \(Format.milliseconds(point.p50Milliseconds)) | "
                    + "\(Format.milliseconds(point.p99Milliseconds)) | \(Format.decimal(point.serverCPUMicrosecondsPerRequest, 0)) | \(point.errors) |")
        }
        lines += cpuSection(results)
        let sizes = [plan.referencePoolSize] + plan.poolSizes.filter { $0 != plan.referencePoolSize }
        for size in sizes {
            lines += [
                "", "## Crypto routes, `pool.maxSize` \(size)\(size == plan.referencePoolSize ? " (reference)" : "")", "",
                "Requests per second, median and 99th-percentile latency, and the server's CPU time per request (µs, all threads).",
            ]
            for payload in plan.payloads {
                lines += ["", "### \(Format.bytes(payload))", "", routeHeader(), routeRule()]
                for concurrency in plan.concurrency {
                    var cells = ["\(concurrency)"]
                    for route in routes {
                        if let point = results.http.first(where: {
                            $0.route == route && $0.poolSize == size && $0.payload == payload && $0.concurrency == concurrency
                        }) {
                            cells += [
                                Format.rate(point.requestsPerSecond) + (point.errors > 0 ? " (\(point.errors) errors)" : ""),
                                Format.milliseconds(point.p50Milliseconds), Format.milliseconds(point.p99Milliseconds),
                                Format.decimal(point.serverCPUMicrosecondsPerRequest, 0),
                            ]
                        } else {
                            cells += ["–", "–", "–", "–"]
                        }
                    }
                    lines.append("| " + cells.joined(separator: " | ") + " |")
                }
            }
        }
        lines += laneSection(results)
        lines += [
            "", "## Pool acquire + release", "",
            "`ResourcePool.withResource` with an in-memory factory and an empty body; wall-clock time / all tasks' operations.", "",
            "| case | tasks | maxSize | ns/op | operations |", "|---|---|---|---|---|",
        ]
        for pool in results.pool {
            lines.append(
                "| \(pool.name) | \(pool.tasks) | \(pool.maxSize) | \(Format.decimal(pool.nanosecondsPerOperation, 0)) | \(pool.operations) |")
        }
        if let batches = results.batch, !batches.isEmpty {
            lines += [
                "", "## `/v1/transit/encrypt` batches", "",
                "`batch_input` of AES-256-GCM items against the raw in-process `CKM_AES_GCM` ceiling (one session per batch).", "",
                "| items per request | payload | c | items/s | raw ops/s | ratio | errors |", "|---|---|---|---|---|---|---|",
            ]
            for batch in batches {
                lines.append(
                    "| \(batch.batchSize) | \(Format.bytes(batch.payload)) | \(batch.concurrency) | \(Format.rate(batch.itemsPerSecond)) | "
                        + "\(Format.rate(batch.rawOperationsPerSecond)) | \(Format.decimal(batch.ratio, 2)) | \(batch.errors) |")
            }
        }
        if let kms = results.kms, !kms.isEmpty {
            lines += [
                "", "## KMS v2 `Encrypt` (32-byte seed)", "",
                "The Kubernetes KMS plugin's `Encrypt` over its Unix socket (gRPC, one HTTP/2 connection, the callers' calls "
                    + "in flight on it, loaded by h2load) beside `/v1/transit/encrypt` (one item, the same Transit key), "
                    + "`/v1/transit/decrypt` and `/encrypt-pool` (AES-256-CBC), loaded by wrk, on the same server.", "",
                "| series | c | req/s | p50 | p99 | server CPU µs/req | errors |", "|---|---|---|---|---|---|---|",
            ]
            for point in kms {
                lines.append(
                    "| \(point.series) | \(point.concurrency) | \(Format.rate(point.requestsPerSecond)) | "
                        + "\(Format.milliseconds(point.p50Milliseconds)) | \(Format.milliseconds(point.p99Milliseconds)) | "
                        + "\(point.serverCPUMicrosecondsPerRequest.map { Format.decimal($0, 0) } ?? "–") | \(point.errors) |")
            }
        }
        if let slow = results.slowHSM {
            lines += [
                "", "## A slow HSM (\(slow.delayMilliseconds) ms per `C_Encrypt`)", "",
                "The fault module in front of the token delays every `C_Encrypt`; \(slow.encryptConnections) connections load "
                    + "`/encrypt-pool` while one loads `/health-check`, on a server of its own.", "",
                "| route | c | req/s | p50 | p99 | max | errors |", "|---|---|---|---|---|---|---|",
                "| `/encrypt-pool` | \(slow.encryptConnections) | \(Format.rate(slow.encryptRequestsPerSecond)) | | | | \(slow.encryptErrors) |",
                "| `/health-check` | 1 | \(Format.rate(slow.healthRequestsPerSecond)) | \(Format.milliseconds(slow.healthP50Milliseconds)) | "
                    + "\(Format.milliseconds(slow.healthP99Milliseconds)) | \(Format.milliseconds(slow.healthMaxMilliseconds)) | \(slow.healthErrors) |",
            ]
        }
        lines += p11KitSection(results)
        if let memory = results.memory {
            lines += [
                "", "## Server memory (VmRSS), `pool.maxSize` \(memory.poolSize)", "", "| state | RSS |", "|---|---|",
                "| ready, before any request | \(Format.mebibytes(memory.startedKiB)) |",
                "| idle after warm-up | \(Format.mebibytes(memory.idleKiB)) |",
                "| \(memory.keepAliveConnections) idle keep-alive connections, each after one `GET /health-check` | \(Format.mebibytes(memory.keepAliveKiB)) |",
                "| the same, each after one more `POST /encrypt-pool` (\(memory.keepAliveAnswered) answered a last request) | \(Format.mebibytes(memory.keepAliveAfterEncryptKiB)) |",
                "| highest under load (crypto routes) | \(Format.mebibytes(memory.underLoadKiB)) |",
                "| peak (VmHWM) at the end | \(Format.mebibytes(memory.peakKiB)) |",
            ]
        }
        lines += ["", "![Throughput and p99 latency against concurrency](chart.svg)", ""]
        return lines.joined(separator: "\n")
    }

    /// CPU per request against its parts: a view of the first target that other work on a
    /// shared machine disturbs far less than rates taken at different moments.
    /// Whether the servers' PKCS#11 calls stayed on the fast lane through the HTTP points: a point
    /// measured while they were on the wider pool costs more (docs/blocking-calls.md).
    private static func laneSection(_ results: BenchResults) -> [String] {
        let reported = results.http.filter { $0.laneBackOffs != nil }
        guard !reported.isEmpty else { return [] }
        let left = reported.filter { ($0.laneBackOffs ?? 0) > 0 }.map {
            "\($0.route) \(Format.bytes($0.payload)) c=\($0.concurrency) (pool \($0.poolSize))"
        }
        return [
            "",
            "**Fast lane.** "
                + (left.isEmpty
                    ? "The PKCS#11 calls stayed on the fast lane through every HTTP point."
                    : "The PKCS#11 calls left the fast lane for the wider pool (for 10 s) during: " + left.joined(separator: ", ")
                        + "; points in the 10 s after one ran on the pool too."),
        ]
    }

    private static func cpuSection(_ results: BenchResults) -> [String] {
        guard let cost = CPUCost(results) else { return [] }
        return [
            "", "## CPU per request (\(Format.bytes(cost.payload)), `pool.maxSize` \(cost.poolSize))", "",
            "The server's CPU time per request (all its threads), at each route's best-throughput concurrency, against "
                + "its parts: the HTTP path alone (`/health-check`) and the PKCS#11 work alone (R, one thread's CPU clock).", "",
            "| | CPU µs |", "|---|---|",
            "| `/health-check` (H's path) | \(Format.decimal(cost.http, 0)) |",
            "| PKCS#11 encryption in-process (R) | \(Format.decimal(cost.pkcs11, 0)) |",
            "| sum of the parts | \(Format.decimal(cost.http + cost.pkcs11, 0)) |",
            "| `/encrypt-pool` | \(Format.decimal(cost.encryptPool, 0)) |",
            "| overhead beyond the parts (pool, thread hand-offs, larger bodies, key service) | \(Format.decimal(cost.encryptPool - cost.http - cost.pkcs11, 0)) |",
            "| parts / `/encrypt-pool` (the first target's ratio in CPU time) | \(Format.decimal(cost.ratio, 2)) |",
        ]
    }

    private static func routeHeader() -> String {
        "| c | " + routes.map { "\($0) req/s | p50 | p99 | CPU" }.joined(separator: " | ") + " |"
    }

    private static func routeRule() -> String {
        "|---|" + String(repeating: "---|", count: routes.count * 4)
    }
}
