import Foundation
import Testing
import TetherClient

/// A fake Claude Code in a daemon's session, with the hooks Tether made for it: its state goes from
/// `starting` to `idle`, to `working` on a message, to `needs_input` with the dialog's choices on a
/// permission prompt, and back to `idle` once answered; each change is in the summary.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct AgentStateTests {
    func state(_ daemon: APIDaemon, _ id: String) -> [String: Any] {
        (try? daemon.client.get("/sessions/\(id)").object) ?? [:]
    }

    @Test func hooksAndTheScreenFollowAnAgentThroughATurnWithAPermissionPrompt() async throws {
        let logs = TemporaryDirectory("tether-agent-state")
        defer { logs.remove() }
        let command = "\(Binaries.fakeAgent) --flavour claude --work-ms 600 --events \(logs.file("events"))"
        let daemon = try await APIDaemon(configuration: "agents: {claude: {command: \"\(command)\"}}")
        defer { daemon.remove() }
        let created = try daemon.client.send("POST", "/sessions", json: ["computer": daemon.computer, "project_dir": daemon.project, "agent": "claude"])
        let id = try #require(created.object["session_id"] as? String, "\(created.text)")

        #expect(await eventually { state(daemon, id)["agent_state"] as? String == "idle" }, "SessionStart, then the idle input box: \(state(daemon, id))")
        #expect(try daemon.client.send("POST", "/sessions/\(id)/message", json: ["message": "EDIT test.txt"]).status == 200)
        #expect(await eventually {
            let summary = state(daemon, id)
            let choices = (summary["prompt"] as? [String: Any])?["choices"] as? [[String: Any]] ?? []
            return summary["agent_state"] as? String == "needs_input" && choices.count == 3
        }, "the permission dialog: \(state(daemon, id)) events: \((try? String(contentsOfFile: logs.file("events"), encoding: .utf8)) ?? "") screen: \(daemon.transcript(id))")
        let prompt = try #require(state(daemon, id)["prompt"] as? [String: Any])
        #expect((prompt["question"] as? String)?.contains("test.txt") == true, "\(prompt)")
        #expect(((prompt["choices"] as? [[String: Any]])?.first?["label"] as? String) == "Yes", "\(prompt)")

        #expect(try daemon.client.send("POST", "/sessions/\(id)/answer", json: ["choice": 7]).status == 400, "no such choice")
        #expect(try daemon.client.send("POST", "/sessions/\(id)/answer", json: ["choice": 1]).status == 200)
        #expect(await eventually { state(daemon, id)["agent_state"] as? String == "idle" && state(daemon, id)["prompt"] is NSNull },
                "answered, the turn ends: \(state(daemon, id))")
        let metrics = (try? daemon.client.get("/metrics").text) ?? ""
        #expect(metrics.contains("tether_agent_sessions{state=\"idle\"} 1"))
        #expect(!FileManager.default.fileExists(atPath: daemon.dir.file(".claude")), "the user's own settings untouched")
    }

    @Test func theCLIWaitsForAStateAnswersTheDialogAndShowsTheState() async throws {
        let command = "\(Binaries.fakeAgent) --flavour codex --work-ms 400"
        let daemon = try await APIDaemon(configuration: "agents: {codex: {command: \"\(command)\"}}")
        defer { daemon.remove() }
        let client = Binaries.directory.appendingPathComponent("tether").path
        func tether(_ arguments: String) async throws -> (status: Int32, output: String) {
            try await shell("\(client) \(arguments) --socket \(daemon.socket)")
        }
        let created = try await tether("new --agent codex --project \(daemon.project)")
        let id = created.output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(created.status == 0 && id.count == 36, "\(created.output)")

        #expect(try await tether("wait \(id) --until idle --timeout 30").status == 0)
        #expect(try await tether("send \(id) 'EDIT notes.md'").status == 0)
        #expect(try await tether("wait \(id) --until needs-input --timeout 30").status == 0)
        let refused = try await tether("answer \(id) 9")
        #expect(refused.status == 1 && refused.output.contains("no choice 9"), "\(refused.output)")
        #expect(try await tether("answer \(id) 1").status == 0)
        #expect(try await tether("wait \(id) --until idle --timeout 30").status == 0)
        let listing = try await tether("ls")
        #expect(listing.output.contains("STATE") && listing.output.contains(" idle "), "\(listing.output)")
        let late = try await tether("wait \(id) --until needs-input --timeout 0.5")
        #expect(late.status == 124, "\(late.output)")
    }
}
