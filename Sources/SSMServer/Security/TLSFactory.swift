import NIOSSL

/// The server's TLS configuration: TLS 1.2 at least (1.3 preferred: the highest both sides
/// speak is chosen), and with `clientCA` client certificates verified against it: required of
/// every connection, or (`tls.clientCertificate: optional`) only checked when presented.
enum TLSFactory {
    /// The configuration of `settings`.
    ///
    /// - Throws: when a file cannot be read or parsed.
    static func serverConfiguration(_ settings: TLSSettings) throws -> TLSConfiguration {
        let chain = try NIOSSLCertificate.fromPEMFile(settings.certificate).map { NIOSSLCertificateSource.certificate($0) }
        let key = try NIOSSLPrivateKey(file: settings.key, format: .pem)
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        configuration.maximumTLSVersion = .tlsv13
        if let clientCA = settings.clientCA {
            configuration.trustRoots = .file(clientCA)
            configuration.certificateVerification =
                settings.requireClientCertificate ? .noHostnameVerification : .optionalVerification
        }
        return configuration
    }
}
