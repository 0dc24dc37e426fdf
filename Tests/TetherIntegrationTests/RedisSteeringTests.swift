import Foundation
import TetherRedis
import Testing

/// The commands a Python peer sends after a remote `new_session` (PROTOCOL.md §2, §3): `/cd`
/// unquoted, `/agent …`, and `rename`, `list_todos`, all against a real daemon on a real Redis.
@Suite(.serialized, .timeLimit(.minutes(3))) struct RedisSteeringTests {
    @Test func aPythonRemoteStartChangesDirectoryStartsTheAgentAndRenames() async throws {
        let server = try await RedisServer()
        defer { server.remove() }
        // A stand-in agent: its "CLI" prints what it was started with.
        let daemon = try await APIDaemon(configuration: """
            redis: {enabled: true, url: "\(server.url())"}
            agents: {claude: {command: "echo AGENT-CLAUDE"}}
            """)
        defer { daemon.remove() }
        let peer = try PythonPeer(server)
        #expect(await eventually { (try? await peer.link.send(["EXISTS", RedisKeys.heartbeat(daemon.computer)])) == .integer(1) },
                "\(daemon.process.log)")
        #expect(await daemon.readsRequests(), "\(daemon.process.log)")

        // The MCP tools' remote start: a bare new_session, then cd (unquoted) and agent, no replies read.
        let created = try #require(try await peer.reply(try await peer.send("/new_session", to: daemon.computer)))
        let id = try #require((created["data"] as? [String: Any])?["session_id"] as? String, "\(created)")
        let sub = daemon.project + "/todos"
        _ = try await peer.send("/cd \(sub)", to: daemon.computer, [("session_id", id)])
        _ = try await peer.send("/agent claude slow 'first prompt'", to: daemon.computer, [("session_id", id)])
        // The agent starts with its session's hook settings, then the arguments.
        #expect(await eventually { daemon.transcript(id).contains("AGENT-CLAUDE --settings ") && daemon.transcript(id).contains("/claude.json first prompt") },
                "\(daemon.transcript(id))")
        let session = try #require(try daemon.client.get("/sessions/\(id)").json() as? [String: Any])
        #expect(session["working_directory"] as? String == sub)
        #expect(session["active_agent"] as? String == "claude")

        let renamed = try await peer.send("/rename the new name", to: daemon.computer, [("session_id", id)])
        #expect(try await peer.reply(renamed)?["status"] as? String == "success")
        let titled = try #require(try daemon.client.get("/sessions/\(id)").json() as? [String: Any])
        #expect(titled["title"] as? String == "[\(daemon.computer)] the new name")

        // A directory outside the allowed ones is refused with the reason, and nothing is typed.
        let refused = try #require(try await peer.reply(try await peer.send("/cd /etc", to: daemon.computer, [("session_id", id)])))
        #expect(refused["status"] as? String == "error", "\(refused)")
        #expect((refused["error"] as? String ?? "").contains("not allowed"), "\(refused)")
    }

    @Test func listTodosReadsATrustedDirAndNothingElse() async throws {
        let server = try await RedisServer()
        defer { server.remove() }
        let daemon = try await APIDaemon(configuration: "redis: {enabled: true, url: \"\(server.url())\"}")
        defer { daemon.remove() }
        let peer = try PythonPeer(server)
        #expect(await daemon.readsRequests(), "\(daemon.process.log)")
        let todos = try #require(try await peer.reply(try await peer.send("/list_todos '\(daemon.project)'", to: daemon.computer)))
        let items = todos["data"] as? [[String: Any]] ?? []
        #expect(items.first?["slug"] as? String == "cache-unification", "\(todos)")
        #expect(items.first?["status"] as? String == "in_progress")
        let outside = try #require(try await peer.reply(try await peer.send("/list_todos '/etc'", to: daemon.computer)))
        #expect((outside["data"] as? [Any])?.isEmpty == true, "\(outside)")
    }
}
