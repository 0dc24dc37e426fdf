import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A redis-server speaking TLS on a random loopback port, IPv4 and (where the host has it) IPv6
/// (Debian's 7.0 is built with TLS),
/// optionally with a plain port beside it.
final class TLSRedisServer {
    let tlsPort: Int32
    /// The plain (non-TLS) port, when asked for; 0 otherwise.
    let plainPort: Int32
    let dir = TemporaryDirectory("tether-tls-redis")
    private let child: ChildProcess

    init(certificate: String, key: String, caFile: String, withPlainPort: Bool = false) async throws {
        tlsPort = RedisServer.freePort()
        plainPort = withPlainPort ? RedisServer.freePort() : 0
        child = try ChildProcess(
            "/usr/bin/redis-server",
            ["--port", "\(plainPort)", "--tls-port", "\(tlsPort)", "--bind", "127.0.0.1", "-::1",
             "--tls-cert-file", certificate, "--tls-key-file", key, "--tls-ca-cert-file", caFile,
             "--tls-auth-clients", "no", "--dir", dir.path, "--save", "", "--appendonly", "no"],
            environment: daemonEnvironment(), logPath: dir.file("redis.log")
        )
        let up = await eventually { child.log.contains("Ready to accept connections") }
        guard up else { throw TLSRedisServerError(log: child.log) }
    }

    /// Kills the server at once (no shutdown handshake), as a crash or a lost host would.
    func kill() async {
        child.signal(SIGKILL)
        _ = await child.waitForExit()
    }

    func stop() async {
        child.signal(SIGTERM)
        _ = await child.waitForExit()
        dir.remove()
    }
}

/// redis-server did not come up; its log says why.
struct TLSRedisServerError: Error, CustomStringConvertible {
    let log: String
    var description: String { "redis-server with TLS did not start: \(log)" }
}

/// A loopback TCP listener that never accepts and never answers: the kernel completes the TCP
/// handshake from its backlog, so a client connects and then waits forever for TLS.
final class SilentListener {
    let port: Int32
    private let fd: Int32

    init() {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        port = bindLoopback(fd)
        listen(fd, 8)
        self.fd = fd
    }

    func stop() { close(fd) }
}
