import Foundation

/// Certificates made with openssl at run time (no private key is committed): a CA, a server
/// certificate for localhost/127.0.0.1 (a P-256 key, or with `rsaServer` an RSA one), a
/// client certificate (CN `tls-client`) from the CA, a client certificate (CN `mallory`) whose
/// SANs name `tls-client` (DNS) and `spiffe://test/mallory` (URI), and a client certificate
/// from another CA.
struct TestCertificates {
    let directory: URL
    var rsaServer = false
    var caCertificate: String { path("ca.pem") }
    var serverCertificate: String { path("server.pem") }
    var serverKey: String { path("server.key") }
    var clientCertificate: String { path("client.pem") }
    var clientKey: String { path("client.key") }
    var malloryCertificate: String { path("mallory.pem") }
    var malloryKey: String { path("mallory.key") }
    var rogueCertificate: String { path("rogue.pem") }
    var rogueKey: String { path("rogue.key") }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// Makes the files in a new temporary directory.
    static func make(rsaServer: Bool = false) throws -> TestCertificates {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("certs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let certificates = TestCertificates(directory: directory, rsaServer: rsaServer)
        try certificates.generate()
        return certificates
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }

    private func generate() throws {
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try openssl(["req", "-x509"] + ec + ["-keyout", path("ca.key"), "-out", path("ca.pem"), "-days", "2", "-subj", "/CN=ssm test CA"])
        try openssl(["req", "-x509"] + ec + ["-keyout", path("rogue-ca.key"), "-out", path("rogue-ca.pem"), "-days", "2", "-subj", "/CN=rogue CA"])
        try issue(
            "server", subject: "/CN=localhost", ca: "ca", extensions: "subjectAltName=DNS:localhost,IP:127.0.0.1", rsa: rsaServer)
        try issue("client", subject: "/CN=tls-client", ca: "ca", extensions: "extendedKeyUsage=clientAuth")
        try issue(
            "mallory", subject: "/CN=mallory", ca: "ca",
            extensions: "extendedKeyUsage=clientAuth\nsubjectAltName=DNS:tls-client,URI:spiffe://test/mallory")
        try issue("rogue", subject: "/CN=tls-client", ca: "rogue-ca", extensions: "extendedKeyUsage=clientAuth")
    }

    private func issue(_ name: String, subject: String, ca: String, extensions: String, rsa: Bool = false) throws {
        let key = rsa ? ["-newkey", "rsa:2048"] : ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]
        try openssl(["req", "-new"] + key + ["-nodes",
            "-keyout", path("\(name).key"), "-out", path("\(name).csr"), "-subj", subject])
        let extensionsFile = path("\(name).ext")
        try extensions.write(toFile: extensionsFile, atomically: true, encoding: .utf8)
        try openssl(["x509", "-req", "-in", path("\(name).csr"), "-CA", path("\(ca).pem"), "-CAkey", path("\(ca).key"),
            "-CAcreateserial", "-out", path("\(name).pem"), "-days", "2", "-extfile", extensionsFile])
    }

    private func openssl(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "openssl \(arguments.joined(separator: " ")) failed"])
        }
    }
}
