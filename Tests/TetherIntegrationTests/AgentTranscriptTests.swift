import Foundation
import Testing
import TetherClient

/// A fake Claude Code in a daemon's session writes its JSONL transcript (the path given by its
/// SessionStart hook): `GET /sessions/{id}/transcript` shows its messages, a reply streamed over two
/// lines as one message, and the reply from the Stop hook while the file lags behind it.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct AgentTranscriptTests {
    func daemon(agentFlags: String, transcript: String) async throws -> (APIDaemon, String) {
        let command = "\(Binaries.fakeAgent) --flavour claude --work-ms 200 --transcript \(transcript) \(agentFlags)"
        let daemon = try await APIDaemon(configuration: "agents: {claude: {command: \"\(command)\"}}")
        let created = try daemon.client.send("POST", "/sessions", json: ["computer": daemon.computer, "project_dir": daemon.project, "agent": "claude"])
        let id = try #require(created.object["session_id"] as? String, "\(created.text)")
        let idle = await eventually { (try? daemon.client.get("/sessions/\(id)").object["agent_state"] as? String) == "idle" }
        #expect(idle, "SessionStart and the input box: \(daemon.transcript(id))")
        return (daemon, id)
    }

    func file(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

    @Test func theTranscriptShowsTheAgentsMessagesWithAStreamedReplyJoined() async throws {
        let logs = TemporaryDirectory("tether-agent-transcript")
        defer { logs.remove() }
        let path = logs.file("claude.jsonl")
        let (daemon, id) = try await daemon(agentFlags: "--split-assistant", transcript: path)
        defer { daemon.remove() }
        #expect(try daemon.client.send("POST", "/sessions/\(id)/message", json: ["message": "tell me about transcripts"]).status == 200)
        let reply = "Done: tell me about transcripts"
        #expect(await eventually { daemon.transcript(id).contains(reply) }, "joined reply: \(daemon.transcript(id)) file: \(file(path))")
        let messages = daemon.transcript(id)
        #expect(messages.contains("👤 User\n\ntell me about transcripts") && messages.contains("🤖 Assistant\n\n\(reply)"), "\(messages)")
        #expect(messages.components(separatedBy: reply).count == 2, "one message, not its parts and the Stop hook's copy: \(messages)")
        #expect(!messages.contains("\"type\""), "messages, not the file's JSON")
        let assistantLines = file(path).split(separator: "\n").filter { $0.contains("\"type\":\"assistant\"") }
        #expect(assistantLines.count == 2 && !file(path).contains(reply), "the file has the reply in two parts: \(file(path))")
        let tail = try daemon.client.get("/sessions/\(id)/transcript?tail_chars=30").object["transcript"] as? String ?? ""
        #expect(tail.hasPrefix("[...truncated, showing last 30 chars...]") && tail.hasSuffix(reply.suffix(20)), "\(tail)")
    }

    @Test func aTurnsFinalTextComesFromTheStopHookWhileTheFileLags() async throws {
        let logs = TemporaryDirectory("tether-agent-transcript-lag")
        defer { logs.remove() }
        let path = logs.file("claude.jsonl")
        let (daemon, id) = try await daemon(agentFlags: "--transcript-lag-ms 60000", transcript: path)
        defer { daemon.remove() }
        #expect(try daemon.client.send("POST", "/sessions/\(id)/message", json: ["message": "answer slowly"]).status == 200)
        let reply = "Done: answer slowly"
        #expect(await eventually { daemon.transcript(id).contains("🤖 Assistant\n\n\(reply)") }, "\(daemon.transcript(id)) file: \(file(path))")
        #expect(file(path).contains("answer slowly") && !file(path).contains(reply), "the file has the prompt, not yet the reply")
        #expect(daemon.transcript(id).contains("👤 User\n\nanswer slowly"))
    }
}
