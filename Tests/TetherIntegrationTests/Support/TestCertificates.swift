import Foundation

/// A private CA and two server certificates it signed, made with the `openssl` CLI in a temporary
/// directory: one for `localhost` / 127.0.0.1 / ::1, one for another host name only.
struct TestCertificates {
    let dir = TemporaryDirectory("tether-certs")
    var caFile: String { dir.file("ca.crt") }
    var server: (certificate: String, key: String) { (dir.file("localhost.crt"), dir.file("localhost.key")) }
    var otherHost: (certificate: String, key: String) { (dir.file("other.crt"), dir.file("other.key")) }
    /// The name the second certificate is made out to.
    static let otherHostName = "other.tether.test"

    /// Makes the CA and both certificates; throws with openssl's output if any step fails.
    static func make() async throws -> TestCertificates {
        let certificates = TestCertificates()
        let dir = certificates.dir
        // EC keys: quicker to make than RSA, and what a modern private CA issues.
        let key = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
        try await run("""
            cd '\(dir.path)' && \
            openssl req -x509 \(key) -keyout ca.key -out ca.crt -days 2 -subj '/CN=Tether Test CA' \
              -addext 'basicConstraints=critical,CA:TRUE' -addext 'keyUsage=critical,keyCertSign,cRLSign'
            """)
        try await issue("localhost", names: "DNS:localhost,IP:127.0.0.1,IP:::1", in: dir, key: key)
        try await issue("other", names: "DNS:\(otherHostName)", in: dir, key: key)
        return certificates
    }

    private static func issue(_ name: String, names: String, in dir: TemporaryDirectory, key: String) async throws {
        try dir.write("\(name).ext", "subjectAltName=\(names)\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n")
        try await run("""
            cd '\(dir.path)' && \
            openssl req -new \(key) -keyout \(name).key -out \(name).csr -subj '/CN=\(name)' && \
            openssl x509 -req -in \(name).csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
              -extfile \(name).ext -out \(name).crt
            """)
    }

    private static func run(_ command: String) async throws {
        let result = try await shell(command, timeout: .seconds(30))
        guard result.status == 0 else { throw CertificateError(output: result.output) }
    }

    func remove() { dir.remove() }
}

/// The openssl CLI failed; its output says why.
struct CertificateError: Error, CustomStringConvertible {
    let output: String
    var description: String { "making test certificates with openssl failed: \(output)" }
}
