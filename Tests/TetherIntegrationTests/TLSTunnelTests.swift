import Foundation
import Testing
import TetherRedis
#if canImport(Glibc)
import Glibc
#endif

/// The TLS tunnel under hiredis against a real `redis-server --tls-port`, with certificates made by openssl.
@Suite(.serialized, .timeLimit(.minutes(3))) struct TLSTunnelTests {
    /// The connect-and-handshake deadline the tests give the tunnel.
    static let deadline: Duration = .seconds(2)
    /// hiredis's socket timeout: longer than any reply here, so a timeout would mean a hang.
    static let commandTimeout: Duration = .seconds(5)

    @Test func hiredisWorksThroughTheTunnelWithThePrivateCA() async throws {
        let certificates = try await TestCertificates.make()
        let server = try await TLSRedisServer(certificate: certificates.server.certificate, key: certificates.server.key, caFile: certificates.caFile)
        defer { certificates.remove() }
        let options = TLSOptions(caFile: certificates.caFile)
        let port = Int(server.tlsPort)
        let value = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 9) }
        let replies = await onOwnThread { () -> [BlockingRedis.Reply] in
            guard let tunnel = try? TLSTunnel.open(host: "127.0.0.1", port: port, options: options, timeout: Self.deadline),
                  let redis = BlockingRedis(fileDescriptor: tunnel.fileDescriptor, timeout: Self.commandTimeout) else { return [] }
            defer { tunnel.close() }
            return [redis.command(["PING"]), redis.command([Array("SET".utf8), Array("big".utf8), value]), redis.command(["GET", "big"])]
        }
        await server.stop()
        #expect(replies.count == 3)
        #expect(replies.first == .status("PONG"))
        #expect(replies.dropFirst().first == .status("OK"))
        #expect(replies.last == .bulk(value), "the 1 MiB value came back changed or not at all")
    }

    @Test func anIPv6AddressIsVerifiedAgainstTheCertificatesAddresses() async throws {
        let certificates = try await TestCertificates.make()
        let server = try await TLSRedisServer(certificate: certificates.server.certificate, key: certificates.server.key, caFile: certificates.caFile)
        defer { certificates.remove() }
        let options = TLSOptions(caFile: certificates.caFile)
        let port = Int(server.tlsPort)
        let reply = await onOwnThread { () -> BlockingRedis.Reply? in
            guard let tunnel = try? TLSTunnel.open(host: "::1", port: port, options: options, timeout: Self.deadline),
                  let redis = BlockingRedis(fileDescriptor: tunnel.fileDescriptor, timeout: Self.commandTimeout) else { return nil }
            defer { tunnel.close() }
            return redis.command(["PING"])
        }
        await server.stop()
        #expect(reply == .status("PONG"))
    }

    @Test func aMissingCAFileIsNamedInTheError() async throws {
        let result = await open(port: 1, options: TLSOptions(caFile: "/nonexistent/tether-ca.pem"))
        let error = try #require(result.error)
        // The CA file is loaded before any connection: even a closed port reports the file first.
        #expect(error.code == .setup)
        #expect(error.message.contains("/nonexistent/tether-ca.pem") && error.message.contains("redis.tls_ca_file"), "\(error.message)")
    }

    @Test func theSystemStoreDoesNotTrustThePrivateCA() async throws {
        let certificates = try await TestCertificates.make()
        let server = try await TLSRedisServer(certificate: certificates.server.certificate, key: certificates.server.key, caFile: certificates.caFile)
        defer { certificates.remove() }
        let result = await open(port: server.tlsPort, options: TLSOptions())
        await server.stop()
        let error = try #require(result.error)
        #expect(error.code == .verification)
        #expect(error.message.contains("the certificate of 127.0.0.1:\(server.tlsPort) did not verify"))
        #expect(error.message.contains("redis.tls_ca_file"), "the error says what to do: \(error.message)")
    }

    @Test func aCertificateForAnotherHostIsRefused() async throws {
        let certificates = try await TestCertificates.make()
        let server = try await TLSRedisServer(certificate: certificates.otherHost.certificate, key: certificates.otherHost.key, caFile: certificates.caFile)
        defer { certificates.remove() }
        // "localhost" may resolve to ::1 first, where nothing listens: the tunnel goes on to 127.0.0.1.
        let result = await open(host: "localhost", port: server.tlsPort, options: TLSOptions(caFile: certificates.caFile))
        await server.stop()
        let error = try #require(result.error)
        #expect(error.code == .verification)
        #expect(error.message.contains("hostname mismatch"), "\(error.message)")
    }

    @Test func verifyOffConnectsToAnyCertificate() async throws {
        let certificates = try await TestCertificates.make()
        let server = try await TLSRedisServer(certificate: certificates.otherHost.certificate, key: certificates.otherHost.key, caFile: certificates.caFile)
        defer { certificates.remove() }
        let options = TLSOptions(verify: false)
        let port = Int(server.tlsPort)
        #expect(options.verificationIsOff)
        let reply = await onOwnThread { () -> BlockingRedis.Reply? in
            guard let tunnel = try? TLSTunnel.open(host: "localhost", port: port, options: options, timeout: Self.deadline),
                  let redis = BlockingRedis(fileDescriptor: tunnel.fileDescriptor, timeout: Self.commandTimeout) else { return nil }
            defer { tunnel.close() }
            return redis.command(["PING"])
        }
        await server.stop()
        #expect(reply == .status("PONG"))
    }

    @Test func aPlainPortFailsTheHandshakeWithinTheDeadline() async throws {
        let certificates = try await TestCertificates.make()
        let server = try await TLSRedisServer(certificate: certificates.server.certificate, key: certificates.server.key,
                                              caFile: certificates.caFile, withPlainPort: true)
        defer { certificates.remove() }
        let result = await open(port: server.plainPort, options: TLSOptions(caFile: certificates.caFile))
        await server.stop()
        let error = try #require(result.error)
        // Redis answers a ClientHello with an error line or waits for more: either way no TLS, said clearly.
        #expect(error.code == .handshake || error.code == .timeout)
        #expect(error.message.contains("127.0.0.1:\(server.plainPort)") && error.message.contains("TLS port"), "\(error.message)")
        #expect(result.elapsed < Self.deadline + promptly)
    }

    @Test func aPeerThatNeverAnswersFailsWithinTheDeadline() async throws {
        let listener = SilentListener()
        let deadline: Duration = .seconds(1)
        let result = await open(port: listener.port, options: TLSOptions(), timeout: deadline)
        listener.stop()
        let error = try #require(result.error)
        #expect(error.code == .timeout)
        #expect(error.message.contains("did not finish within"), "\(error.message)")
        #expect(result.elapsed >= deadline && result.elapsed < deadline + promptly)
    }

    private func open(host: String = "127.0.0.1", port: Int32, options: TLSOptions,
                      timeout: Duration = deadline) async -> (error: TLSError?, elapsed: Duration) {
        await onOwnThread {
            let clock = ContinuousClock()
            let start = clock.now
            do {
                let tunnel = try TLSTunnel.open(host: host, port: Int(port), options: options, timeout: timeout)
                tunnel.close()
                Glibc.close(tunnel.fileDescriptor)
                return (nil, clock.now - start)
            } catch {
                return (error as? TLSError, clock.now - start)
            }
        }
    }
}
