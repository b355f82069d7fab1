import Logging
import Synchronization
import Testing

@testable import SSMServer

/// `DeferredMetadataLogHandler` writes the lines `StreamLogHandler` writes.
@Suite("Deferred-metadata log handler")
struct LogHandlerTests {
    /// Collects what a handler writes.
    final class Capture: TextOutputStream, @unchecked Sendable {
        // @unchecked: the lines are behind a Mutex.
        private let lines = Mutex<[String]>([])
        var text: [String] { lines.withLock { $0 } }
        func write(_ string: String) { lines.withLock { $0.append(string) } }
    }

    /// The line without its leading timestamp (the two handlers may straddle a second).
    private static func strip(_ line: String) -> String {
        String(line.drop { $0 != " " })
    }

    @Test("same lines as StreamLogHandler: logger metadata, line metadata, overrides, levels, errors")
    func sameLines() {
        let plain = Capture()
        let deferred = Capture()
        var reference = Logger(label: "ssm") { label in StreamLogHandler(label: label, stream: plain, metadataProvider: nil) }
        var candidate = Logger(label: "ssm") { label in
            DeferredMetadataLogHandler(stream: StreamLogHandler(label: label, stream: deferred, metadataProvider: nil))
        }
        for logger in [0, 1] {
            func apply(_ body: (inout Logger) -> Void) {
                if logger == 0 { body(&reference) } else { body(&candidate) }
            }
            apply { $0.info("no metadata") }
            apply { $0[metadataKey: "hb.request.id"] = "abc" }
            apply { $0.info("logger metadata only") }
            apply { $0.info("both", metadata: ["request_id": "r1", "status": "200"]) }
            apply { $0.warning("line wins", metadata: ["hb.request.id": "line"]) }
            apply { $0[metadataKey: "hb.request.id"] = nil }
            apply { $0.error("after removal", metadata: ["error": "x y"]) }
            apply { $0.debug("below the level: not written") }
            apply { $0.logLevel = .trace }
            apply { $0.debug("written now") }
        }
        #expect(plain.text.count == 6)  // the debug line below the level is not written
        #expect(plain.text.map(Self.strip) == deferred.text.map(Self.strip))
    }
}
