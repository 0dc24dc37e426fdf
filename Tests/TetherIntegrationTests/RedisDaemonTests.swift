import Foundation
import TetherRedis
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The real daemon with `redis.enabled`, on a real `redis-server`, driven the way a Python peer
/// drives it (PROTOCOL.md §1–3).
@Suite(.serialized, .timeLimit(.minutes(3))) struct RedisDaemonTests {
    func daemon(on server: RedisServer) async throws -> APIDaemon {
        try await APIDaemon(configuration: "redis: {enabled: true, url: \"\(server.url())\"}")
    }

    @Test func aPythonPeerSeesTheHeartbeatListsSessionsAndTypesIntoOne() async throws {
        let server = try await RedisServer()
        defer { server.remove() }
        let daemon = try await daemon(on: server)
        defer { daemon.remove() }
        let peer = try PythonPeer(server)
        let key = RedisKeys.heartbeat(daemon.computer)

        let heartbeat = await eventually { ((try? await peer.link.send(["GET", key]))?.string).map { $0.contains("\"computer_name\"") } ?? false }
        #expect(heartbeat, "\(daemon.process.log)")
        // Not waited for: the first heartbeat itself waits for the request reader's cursor.
        #expect(daemon.redisStatus["cursor"] is String, "the request reader reads before the computer is announced")
        let decoded = try Heartbeat(decoding: Array(try #require(try await peer.link.send(["GET", key]).string).utf8))
        #expect(decoded.computerName == daemon.computer)

        let id = try daemon.newSession(command: "echo started-here")
        let listing = try await peer.send("/list_sessions", to: daemon.computer)
        let reply = try #require(try await peer.reply(listing))
        #expect(reply["status"] as? String == "success", "\(reply)")
        let sessions = reply["data"] as? [[String: Any]] ?? []
        #expect(sessions.contains { $0["session_id"] as? String == id && $0["computer"] as? String == daemon.computer }, "\(reply)")

        let typed = try await peer.send("/message 'echo typed-by-a-peer'", to: daemon.computer, [("session_id", id)])
        #expect(try await peer.reply(typed)?["status"] as? String == "success")
        #expect(await eventually { daemon.transcript(id).contains("typed-by-a-peer") })
    }

    @Test func aGracefulStopTakesTheHeartbeatAwayAtOnce() async throws {
        let server = try await RedisServer()
        defer { server.remove() }
        let daemon = try await daemon(on: server)
        defer { daemon.remove() }
        let peer = try PythonPeer(server)
        let key = RedisKeys.heartbeat(daemon.computer)
        #expect(await eventually { (try? await peer.link.send(["EXISTS", key])) == .integer(1) }, "\(daemon.process.log)")
        #expect(await daemon.stop() == 0, "\(daemon.process.log)")
        #expect(try await peer.link.send(["EXISTS", key]) == .integer(0))
        #expect(DrainTests.stopOrder(daemon.process.log) == ["api", "redis", "sessions", "store", "pool-monitor"], "\(daemon.process.log)")
    }

    @Test func redisDownAtStartStillServesAndJoinsLater() async throws {
        let server = try await RedisServer()
        defer { server.remove() }
        await server.kill(SIGKILL)
        let daemon = try await daemon(on: server)
        defer { daemon.remove() }
        // Serving its own computer meanwhile.
        #expect(try daemon.client.get("/health").status == 200)
        try await server.start()
        let peer = try PythonPeer(server)
        let joined = await eventually(timeout: .seconds(30)) {
            (try? await peer.link.send(["EXISTS", RedisKeys.heartbeat(daemon.computer)])) == .integer(1)
        }
        #expect(joined, "\(daemon.process.log)")
    }
}
