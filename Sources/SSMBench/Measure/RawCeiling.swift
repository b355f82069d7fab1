import Foundation
import PKCS11
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The raw ceiling R: PKCS#11 encryption in this process, through the typed `PKCS11` layer,
/// without HTTP — each thread on its own reused session, with the key handle found once.
///
/// One operation is what `/encrypt-pool` asks of the module: `C_EncryptInit` and a single-part
/// `C_Encrypt` (a size query, then the call) of the plaintext.
struct RawCeiling {
    let token: BenchToken
    let seconds: Double

    /// The mechanisms measured: the routes' AES-256-CBC for every payload, and AES-256-GCM for
    /// the smallest one (the mechanism of the reference figures in docs/performance.md).
    func measure(payloads: [Int], threadCounts: [Int]) async throws -> [RawResult] {
        let token = self.token
        let seconds = self.seconds
        return try await onOwnThread { () throws -> [RawResult] in
            setenv("SOFTHSM2_CONF", token.configurationPath, 1)
            return try token.withKey(modulePath: token.modulePath) { module, slot, key in
                var cases: [(Mechanism, Int)] = payloads.map { (.aesCBCPad(iv: [UInt8](repeating: 7, count: 16)), $0) }
                if let smallest = payloads.min() { cases.append((.aesGCM(iv: [UInt8](repeating: 7, count: 12)), smallest)) }
                var results: [RawResult] = []
                for (mechanism, payload) in cases {
                    for threads in threadCounts {
                        results.append(
                            try Self.run(
                                module: module, slot: slot, key: key, mechanism: mechanism, payload: payload, threads: threads,
                                seconds: seconds))
                    }
                }
                return results
            }
        }
    }

    /// `threads` threads encrypting `payload` bytes for `seconds` each (on `module`'s token in
    /// `slot`, logged in), every answer checked to be as long as `mechanism` makes it.
    static func run(
        module: PKCS11Module, slot: SlotID, key: ObjectHandle, mechanism: Mechanism, payload: Int, threads: Int,
        seconds: Double
    ) throws -> RawResult {
        let name = mechanism.description
        let counts = Mutex<[(operations: Int, seconds: Double, cpuSeconds: Double)]>([])
        let failure = Mutex<String?>(nil)
        let group = DispatchGroup()
        let data = (0..<payload).map { UInt8(truncatingIfNeeded: $0) }
        let expected = try ciphertextLength(mechanism, payload: payload)
        for _ in 0..<threads {
            group.enter()
            let thread = Thread {
                defer { group.leave() }
                do {
                    let handle = try module.openSession(slot: slot)
                    defer { try? handle.close() }
                    let session = Session(handle)
                    try check(session.encrypt(mechanism, key: key, data: data).count, expected)  // warm
                    let cpuStart = Self.threadCPUSeconds()
                    let start = ContinuousClock.now
                    let deadline = start + .milliseconds(Int(seconds * 1000))
                    var operations = 0
                    var now = start
                    while now < deadline {
                        for _ in 0..<8 { try check(session.encrypt(mechanism, key: key, data: data).count, expected) }
                        operations += 8
                        now = ContinuousClock.now
                    }
                    let cpu = Self.threadCPUSeconds() - cpuStart
                    counts.withLock { $0.append((operations, (now - start).inSeconds, cpu)) }
                } catch {
                    failure.withLock { $0 = "\(error)" }
                }
            }
            thread.start()
        }
        group.wait()
        if let message = failure.withLock({ $0 }) {
            throw BenchError("\(name), \(payload) B, \(threads) threads through \(module.path): \(message)")
        }
        let perThread = counts.withLock { $0 }
        let total = perThread.reduce(0.0) { $0 + Double($1.operations) / $1.seconds }
        let operations = perThread.reduce(0) { $0 + $1.operations }
        let cpu = perThread.reduce(0.0) { $0 + $1.cpuSeconds }
        return RawResult(
            mechanism: name, payload: payload, threads: threads, operationsPerSecond: total,
            microsecondsPerOperation: Double(threads) / total * 1e6,
            cpuMicrosecondsPerOperation: operations > 0 ? cpu / Double(operations) * 1e6 : 0)
    }

    /// The ciphertext length of `payload` bytes under `mechanism`.
    private static func ciphertextLength(_ mechanism: Mechanism, payload: Int) throws -> Int {
        switch mechanism {
        case .aesCBCPad: return (payload / 16 + 1) * 16
        case .desCBCPad, .des3CBCPad: return (payload / 8 + 1) * 8
        case .aesGCM(_, _, let tagBits): return payload + tagBits / 8
        case .aesECB:
            guard payload.isMultiple(of: 16) else { throw BenchError("\(mechanism) needs whole 16-byte blocks, not \(payload) B") }
            return payload
        }
    }

    /// Throws unless an answer of `length` bytes has the `expected` length.
    private static func check(_ length: Int, _ expected: Int) throws {
        guard length == expected else { throw BenchError("a \(length)-byte answer where \(expected) bytes were due") }
    }

    /// This thread's CPU time so far, in seconds.
    private static func threadCPUSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
