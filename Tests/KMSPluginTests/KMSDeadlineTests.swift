import Foundation
import GRPCCore
import KMSPlugin
import KMSProto
import SSMCore
import SessionPool
import SoftHSMTestSupport
import Testing

/// Deadlines, with the fault-injecting module slowing the HSM down.
@Suite("KMS v2 plugin: deadlines")
struct KMSDeadlineTests {
    @Test("a call whose deadline passes while it waits for the HSM ends DEADLINE_EXCEEDED then, not when the HSM frees up")
    func deadlineWhileWaiting() async throws {
        let fault = try FaultyModuleFixture()
        defer { fault.tearDown() }
        _ = try fault.load()
        // One session: a slow call holds it while the next one waits. The slow call runs on the
        // dedicated threads: inline it would hold one of the cooperative pool's threads, which the
        // tests running in parallel share, for its 2 s.
        let hsm = try await KMSFixture.connect(
            modulePath: fault.libraryPath, pool: PoolConfiguration(maxSize: 1, minSize: 1, acquireTimeout: .seconds(20)),
            placement: .threadPool(threads: 2))
        fault.releaseLoads()
        try await KMSFixture.with(hsm: hsm) { client, fixture in
            // Resolve the key's handles first, so the slow call's only HSM work is C_Encrypt.
            _ = try await client.encrypt(V2_EncryptRequest([0]))
            try fault.setRules("C_Encrypt OK delay_ms=2000\n")
            let slow = Task { try await client.encrypt(V2_EncryptRequest([1], uid: "slow")) }
            try await Task.sleep(for: .milliseconds(300))  // the slow call holds the session
            var options = CallOptions.defaults
            options.timeout = .milliseconds(300)
            let code = await rpcCode { _ = try await client.encrypt(V2_EncryptRequest([2], uid: "late"), options: options) }
            #expect(code == .deadlineExceeded)
            _ = try await slow.value
            // The server gave up at the deadline as well: the late call's record came before the
            // slow call finished, not after it freed the session. It says DEADLINE_EXCEEDED when the
            // server's own deadline fired first, CANCELLED when the client's reset of the stream at
            // the same deadline arrived first.
            let calls = fixture.audit.calls
            let late = calls.firstIndex { $0.uid == "late" }
            let finished = calls.firstIndex { $0.uid == "slow" }
            #expect(late.map { ["DEADLINE_EXCEEDED", "CANCELLED"].contains(calls[$0].status) } == true)
            #expect(late != nil && finished != nil && late! < finished!, "\(calls.map { ($0.uid, $0.status) })")
            try fault.setRules("")
        }
        await hsm.shutdown()
    }
}
