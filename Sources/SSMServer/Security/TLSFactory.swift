import Foundation
import NIOSSL
import SwiftASN1
import X509

/// The server's TLS configuration: TLS 1.2 at least (1.3 preferred: the highest both sides
/// speak is chosen), and with `clientCA` client certificates verified against it: required of
/// every connection, or (`tls.clientCertificate: optional`) only checked when presented.
///
/// Cipher suites: TLS 1.3's (all AEAD with ephemeral keys; BoringSSL does not let them be
/// configured) and, for TLS 1.2, only ECDHE key exchange with an AEAD cipher
/// (``tls12CipherSuites``). NIOSSL's default list would also accept static-RSA key exchange
/// (no forward secrecy) and CBC suites. To change the policy, edit ``tls12CipherSuites``
/// (README "Securing ssm", TLS).
enum TLSFactory {
    /// The TLS 1.2 cipher suites offered, in order of preference: ECDHE with AES-GCM or
    /// ChaCha20-Poly1305, for ECDSA and RSA certificates.
    static let tls12CipherSuites: [NIOTLSCipher] = [
        .TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        .TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        .TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        .TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        .TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        .TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    ]

    /// The configuration of `settings`.
    ///
    /// - Throws: when a file cannot be read or parsed.
    static func serverConfiguration(_ settings: TLSSettings) throws -> TLSConfiguration {
        let chain = try NIOSSLCertificate.fromPEMFile(settings.certificate).map { NIOSSLCertificateSource.certificate($0) }
        let key = try NIOSSLPrivateKey(file: settings.key, format: .pem)
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        configuration.maximumTLSVersion = .tlsv13
        configuration.cipherSuiteValues = tls12CipherSuites
        if let clientCA = settings.clientCA {
            configuration.trustRoots = .file(clientCA)
            configuration.certificateVerification =
                settings.requireClientCertificate ? .noHostnameVerification : .optionalVerification
        }
        return configuration
    }

    /// The `notAfter` of the first certificate in the PEM file `path` (the server's own, in
    /// `tls.certificate`), or nil when it cannot be read.
    static func certificateNotAfter(_ path: String) -> Date? {
        guard let pem = try? String(contentsOfFile: path, encoding: .utf8),
            let document = try? PEMDocument.parseMultiple(pemString: pem).first(where: { $0.discriminator == "CERTIFICATE" }),
            let certificate = try? Certificate(pemDocument: document)
        else { return nil }
        return certificate.notValidAfter
    }
}
