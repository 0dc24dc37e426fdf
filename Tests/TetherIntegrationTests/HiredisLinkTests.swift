import CHiredis
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A real redis-server on a random loopback port, with its own directory.
final class RedisServer {
    let port: Int32
    let dir = TemporaryDirectory("tether-redis")
    private let child: ChildProcess

    init() async throws {
        port = Self.freePort()
        child = try ChildProcess(
            "/usr/bin/redis-server",
            ["--port", "\(port)", "--bind", "127.0.0.1", "--dir", dir.path, "--save", "", "--appendonly", "no"],
            environment: daemonEnvironment(), logPath: dir.file("redis.log")
        )
        let up = await eventually { child.log.contains("Ready to accept connections") }
        guard up else { throw POSIXError(.ECONNREFUSED) }
    }

    func stop() async {
        child.signal(SIGTERM)
        _ = await child.waitForExit()
        dir.remove()
    }

    private static func freePort() -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length)
                return getsockname(fd, pointer, &length)
            }
        }
        return Int32(UInt16(bigEndian: address.sin_port))
    }
}

@Suite(.timeLimit(.minutes(5))) struct HiredisLinkTests {
    @Test func hiredisTalksToARealRedis() async throws {
        let server = try await RedisServer()
        let reply = await pingOnOwnThread(port: server.port)
        await server.stop()
        #expect(reply == "PONG")
    }

    /// hiredis blocks, so it runs on a thread of its own, never on the cooperative pool.
    /// Every hiredis call is bounded by its 2 s timeout, so the continuation is always resumed.
    private func pingOnOwnThread(port: Int32) async -> String? {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: Self.ping(port: port)) }
            thread.start()
        }
    }

    private static func ping(port: Int32) -> String? {
        let timeout = timeval(tv_sec: 2, tv_usec: 0)
        guard let context = redisConnectWithTimeout("127.0.0.1", port, timeout) else { return nil }
        defer { redisFree(context) }
        guard context.pointee.err == 0 else { return nil }
        redisSetTimeout(context, timeout)
        let command = strdup("PING")
        defer { free(command) }
        var argv: [UnsafePointer<CChar>?] = [UnsafePointer(command)]
        guard let raw = redisCommandArgv(context, 1, &argv, nil) else { return nil }
        let reply = raw.assumingMemoryBound(to: redisReply.self)
        defer { freeReplyObject(raw) }
        guard reply.pointee.type == REDIS_REPLY_STATUS, let text = reply.pointee.str else { return nil }
        return String(cString: text)
    }
}
