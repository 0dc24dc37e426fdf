import CHiredis
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

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
