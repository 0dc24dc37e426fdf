import Foundation
import Testing
import TetherClient

/// Hooks are set up per session, never in the user's own files: after sessions of all three
/// agents (started, a turn, a dialog answered, restarted), `~/.claude/settings.json`,
/// `~/.gemini/settings.json` and `~/.codex/config.toml` are byte for byte as they were, and
/// nothing was added beside them.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct AgentSettingsIsolationTests {
    static let userFiles = [
        ".claude/settings.json": "{\"model\": \"opus\", \"hooks\": {}}\n",
        ".gemini/settings.json": "{\"theme\": \"dark\"}\n",
        ".codex/config.toml": "model = \"o3\"\nnotify = [\"notify-send\"]\n",
    ]

    func state(_ daemon: APIDaemon, _ id: String) -> String? {
        (try? daemon.client.get("/sessions/\(id)").object["agent_state"] as? String) ?? nil
    }

    func receipt(_ daemon: APIDaemon, _ inputID: String) -> String? {
        (try? daemon.client.get("/inputs/\(inputID)").object["state"] as? String) ?? nil
    }

    @Test func theUsersOwnSettingsFilesAreUntouchedBySessionsOfEveryAgent() async throws {
        let flavours = ["claude", "gemini", "codex"]
        let agents = flavours.map { "\($0): {command: \"\(Binaries.fakeAgent) --flavour \($0) --work-ms 300\"}" }.joined(separator: ", ")
        let daemon = try await APIDaemon(configuration: "agents: {\(agents)}")
        defer { daemon.remove() }
        for (path, text) in Self.userFiles {
            try FileManager.default.createDirectory(atPath: daemon.dir.file((path as NSString).deletingLastPathComponent), withIntermediateDirectories: true)
            try daemon.dir.write(path, text)
        }
        for flavour in flavours {
            let created = try daemon.client.send("POST", "/sessions", json: ["computer": daemon.computer, "project_dir": daemon.project, "agent": flavour])
            let id = try #require(created.object["session_id"] as? String, "\(created.text)")
            #expect(await eventually { state(daemon, id) == "idle" }, "\(flavour) never idle: \(daemon.transcript(id))")
            let sent = try daemon.client.send("POST", "/sessions/\(id)/message", json: ["message": "EDIT notes.md please"])
            let inputID = try #require((sent.object["result"] as? [String: Any])?["input_id"] as? String, "\(sent.text)")
            #expect(await eventually(timeout: .seconds(20)) { receipt(daemon, inputID) == "delivered" }, "\(flavour)")
            #expect(await eventually(timeout: .seconds(20)) { state(daemon, id) == "needs_input" }, "\(flavour): \(daemon.transcript(id))")
            #expect(try daemon.client.send("POST", "/sessions/\(id)/answer", json: ["choice": 1]).status == 200)
            #expect(await eventually(timeout: .seconds(20)) { state(daemon, id) == "idle" }, "\(flavour): \(daemon.transcript(id))")
            #expect(try daemon.client.send("POST", "/sessions/\(id)/agent-restart", json: [:]).status == 200)
            #expect(await eventually(timeout: .seconds(20)) { state(daemon, id) == "idle" }, "\(flavour) after its restart")
        }
        for (path, text) in Self.userFiles {
            #expect((try? String(contentsOfFile: daemon.dir.file(path), encoding: .utf8)) == text, "\(path) changed")
            let folder = daemon.dir.file((path as NSString).deletingLastPathComponent)
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            #expect(entries == [(path as NSString).lastPathComponent], "nothing added beside \(path): \(entries)")
        }
    }
}
