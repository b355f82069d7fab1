import GRPCCore
@testable import KMSPlugin
import SSMCore
import Testing

/// Pure logic: the gRPC status of each core error, deadlines, key ids.
@Suite("KMS v2 plugin: statuses, deadlines, key ids")
struct KMSMappingTests {
    @Test("core errors become the statuses kube-apiserver and the issue expect")
    func statuses() {
        let cases: [(any Error, RPCError.Code)] = [
            (TransitError.invalidCiphertext("x"), .invalidArgument),
            (TransitError.decryptionFailed, .invalidArgument),
            (TransitError.plaintextTooLarge(limit: 1), .invalidArgument),
            (TransitError.versionNotFound(name: "k", version: 9), .notFound),
            (TransitError.keyNotFound(name: "k"), .notFound),
            (TransitError.versionDisabled(name: "k", version: 1, minimum: 2), .failedPrecondition),
            (HSMUnavailableError(reason: "lost", retryAfter: .seconds(1)), .unavailable),
            (CancellationError(), .cancelled),
            (RPCError(code: .deadlineExceeded, message: "late"), .deadlineExceeded),
            (SSMError(.hsmFailure, "HSM_ERROR", "failed"), .internalError),
            (SSMError(.denied, "DENIED", "no"), .permissionDenied),
        ]
        for (error, code) in cases {
            #expect(RPCError.answering(error).code == code, "\(error)")
        }
        struct Unknown: Error { let secret = "do not show" }
        let unknown = RPCError.answering(Unknown())
        #expect(unknown.code == .internalError && !unknown.message.contains("show"))
        #expect(RPCError.answering(TransitError.keyNotFound(name: "k")).message.hasPrefix("KEY_NOT_FOUND: "))
    }

    @Test("status names and their HTTP equivalents, for the audit log")
    func names() {
        #expect(RPCError.Code.invalidArgument.name == "INVALID_ARGUMENT" && RPCError.Code.invalidArgument.httpStatus == 400)
        #expect(RPCError.Code.unavailable.name == "UNAVAILABLE" && RPCError.Code.unavailable.httpStatus == 503)
        #expect(RPCError.Code.deadlineExceeded.name == "DEADLINE_EXCEEDED" && RPCError.Code.deadlineExceeded.httpStatus == 504)
        #expect(RPCError.Code.notFound.httpStatus == 404 && RPCError.Code.internalError.name == "INTERNAL")
    }

    @Test("grpc-timeout values parse; malformed ones are ignored")
    func timeouts() {
        #expect(RPCDeadline.parse("5S") == .seconds(5))
        #expect(RPCDeadline.parse("250m") == .milliseconds(250))
        #expect(RPCDeadline.parse("1H") == .seconds(3600))
        #expect(RPCDeadline.parse("2M") == .seconds(120))
        #expect(RPCDeadline.parse("7u") == .microseconds(7))
        #expect(RPCDeadline.parse("99999999n") == .nanoseconds(99_999_999))
        for bad in ["", "S", "5", "5s", "-1S", "123456789S", "1.5S", "5 S"] {
            #expect(RPCDeadline.parse(bad) == nil, "\(bad)")
        }
    }

    @Test("key ids name the key and the version, the same on every replica")
    func keyIDs() {
        #expect(KMSKeyID.make(name: "kubernetes-kms", version: 3) == "kubernetes-kms:v3")
        #expect(KMSKeyID.make(name: "a", version: 1) != KMSKeyID.make(name: "a", version: 2))
    }
}
