import Foundation
import Synchronization
import TetherRedis
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A "tunnel" that is a plain TCP socket: it proves the hook (hiredis on a descriptor it is handed
/// and then owns, the tunnel closed with the connection) without TLS, which the TLS tunnel's own
/// tests cover. Like a real tunnel, its `close()` leaves the descriptor to hiredis.
private final class PlainTunnel: RedisTunnel {
    let fileDescriptor: Int32
    let closed = Atomic<Int>(0)

    init(port: Int) throws {
        fileDescriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fileDescriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            Glibc.close(fileDescriptor)
            throw POSIXError(.ECONNREFUSED)
        }
    }

    func close() {
        closed.add(1, ordering: .relaxed)
    }
}

@Suite(.serialized, .timeLimit(.minutes(2))) struct RedisTunnelHookTests {
    @Test func redissGoesThroughTheTunnelAndClosesIt() async throws {
        let server = try await RedisServer()
        defer { server.remove() }
        let opened = Mutex<[PlainTunnel]>([])
        var options = try redisOptions("rediss://127.0.0.1:\(server.port)/2")
        options.tunnel = { host, port, _, _ in
            #expect(host == "127.0.0.1" && port == Int(server.port))
            let tunnel = try PlainTunnel(port: port)
            opened.withLock { $0.append(tunnel) }
            return tunnel
        }
        let connection = try await RedisConnection.open(options)
        #expect(try await connection.send(["SET", "via", "tunnel"]) == .status("OK"))
        #expect(try await connection.send(["CLIENT", "INFO"]).string?.contains("db=2") == true)
        let tunnels = opened.withLock { $0 }
        #expect(tunnels.count == 1)
        #expect(tunnels.first?.closed.load(ordering: .relaxed) == 0)
        await connection.close()
        #expect(tunnels.first?.closed.load(ordering: .relaxed) == 1)
    }

    @Test func aTunnelThatFailsIsAConnectError() async throws {
        var options = try redisOptions("rediss://127.0.0.1:\(RedisServer.freePort())")
        options.tunnel = { _, port, _, _ in try PlainTunnel(port: port) }
        await #expect { try await RedisConnection.open(options) } throws: { error in
            (error as? RedisError)?.code == .connect && (error as? RedisError)?.message.contains("TLS connection") == true
        }
    }
}
