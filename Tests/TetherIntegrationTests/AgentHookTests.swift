import Foundation
import Testing
import TetherClient

/// Agent hooks end to end: a session's agent started with hooks made for it (a stand-in `claude`
/// that runs the hooks of its `--settings` file as Claude Code does), `tether hook` posting them,
/// and the daemon taking, refusing or counting them late; a hook that cannot reach a daemon still
/// exits 0.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct AgentHookTests {
    static var client: String { Binaries.directory.appendingPathComponent("tether").path }

    /// A `claude` that reads its `--settings` file and runs the SessionStart and Stop hooks with
    /// Claude Code's payload fields, then prints a marker.
    static let fakeClaude = """
        #!/usr/bin/env python3
        import json, subprocess, sys
        args = sys.argv[1:]
        settings = json.load(open(args[args.index("--settings") + 1]))
        for event, extra in [("SessionStart", {"source": "startup"}), ("Stop", {"last_assistant_message": "done"})]:
            payload = dict(session_id="fake", transcript_path="/tmp/none.jsonl", cwd=".", hook_event_name=event, **extra)
            for group in settings["hooks"][event]:
                for hook in group["hooks"]:
                    subprocess.run(hook["command"], shell=True, input=json.dumps(payload).encode(), timeout=10)
        print("fake-claude-" + "done")
        """

    func hookCount(_ daemon: APIDaemon, _ outcome: String) -> Int {
        let text = (try? daemon.client.get("/metrics").text) ?? ""
        let prefix = "tether_agent_hooks_total{outcome=\"\(outcome)\"} "
        return text.split(separator: "\n").first { $0.hasPrefix(prefix) }.flatMap { Int($0.dropFirst(prefix.count)) } ?? 0
    }

    func post(_ daemon: APIDaemon, _ id: String, agent: String = "claude", event: String = "Stop", token: String?, _ body: [UInt8]) throws -> Int {
        try daemon.client.request("POST", "/sessions/\(id)/agent-hook?agent=\(agent)&event=\(event)", body: body, contentType: "application/json",
                                  extraHeaders: token.map { ["X-Tether-Hook-Token": $0] } ?? [:]).status
    }

    /// A daemon whose `claude` is `true`: it exits at once, but its session gets hooks and a token.
    static let hooksOnly = "agents: {claude: {command: \"true\"}}"

    func tokenFile(_ daemon: APIDaemon, _ id: String) -> String {
        daemon.dir.file(".teleclaude/tmp/sessions/\(id)/tether-hooks/token")
    }

    /// A session started with the agent `claude` (hooks set up for it) and its hook token.
    func agentSession(_ daemon: APIDaemon) async throws -> (id: String, token: String) {
        let response = try daemon.client.send("POST", "/sessions", json: ["computer": daemon.computer, "project_dir": daemon.project, "agent": "claude"])
        guard let id = response.object["session_id"] as? String else { throw SandboxError("create: \(response.text)") }
        #expect(await eventually { FileManager.default.fileExists(atPath: tokenFile(daemon, id)) })
        return (id, try String(contentsOfFile: tokenFile(daemon, id), encoding: .utf8).trimmingCharacters(in: .newlines))
    }

    @Test func anAgentStartedInASessionReportsItsHooksThroughItsOwnSettingsFile() async throws {
        let home = TemporaryDirectory("tether-fake-agent")
        defer { home.remove() }
        try home.write("claude", Self.fakeClaude)
        chmod(home.file("claude"), 0o755)
        let daemon = try await APIDaemon(configuration: "agents: {claude: {command: \(home.file("claude"))}}")
        defer { daemon.remove() }
        let response = try daemon.client.send("POST", "/sessions", json: ["computer": daemon.computer, "project_dir": daemon.project, "agent": "claude"])
        guard let id = response.object["session_id"] as? String else { throw SandboxError("create: \(response.text)") }
        #expect(await eventually { daemon.transcript(id).contains("fake-claude-done") }, "\(daemon.transcript(id))")
        #expect(await eventually { hookCount(daemon, "received") == 2 }, "SessionStart and Stop taken")
        let summary = try daemon.client.get("/sessions/\(id)").object
        #expect(summary["agent_state"] as? String == "idle", "the Stop ended the turn: \(summary)")
        #expect(summary.keys.contains("prompt") && summary["prompt"] is NSNull)
        #expect(((try? daemon.client.get("/metrics").text) ?? "").contains("tether_agent_sessions{state=\"idle\"} 1"))
        let settings = daemon.dir.file(".teleclaude/tmp/sessions/\(id)/tether-hooks/claude.json")
        let text = try String(contentsOfFile: settings, encoding: .utf8)
        #expect(text.contains("'hook' 'claude' 'Stop' '--session' '\(id)'"), "\(text)")
        #expect(text.contains("'--token-file' '\(tokenFile(daemon, id))'"), "\(text)")
        let token = try String(contentsOfFile: tokenFile(daemon, id), encoding: .utf8).trimmingCharacters(in: .newlines)
        #expect(token.count == 32 && !text.contains(token), "the secret is never on a command line")
        #expect(try FileManager.default.attributesOfItem(atPath: tokenFile(daemon, id))[.posixPermissions] as? Int == 0o600)
        #expect(!FileManager.default.fileExists(atPath: daemon.dir.file(".claude")), "the user's own settings untouched")
    }

    @Test func badHooksAreRefusedAndCountedAndLateOnesAreCountedAsLate() async throws {
        let daemon = try await APIDaemon(configuration: Self.hooksOnly)
        defer { daemon.remove() }
        let (id, token) = try await agentSession(daemon)
        let good = Array(#"{"hook_event_name":"Stop","session_id":"x"}"#.utf8)
        #expect(try post(daemon, id, token: token, good) == 200)
        #expect(try post(daemon, id, token: token, Array("not json".utf8)) == 400)
        #expect(try post(daemon, id, event: "Bogus", token: token, good) == 400)
        #expect(try post(daemon, id, agent: "vim", token: token, good) == 400)
        #expect(try post(daemon, "no-such-session", token: token, good) == 404)
        #expect(try post(daemon, id, token: token, Array(repeating: UInt8(ascii: " "), count: 300 << 10)) == 413)
        #expect(hookCount(daemon, "received") == 1)
        #expect(hookCount(daemon, "rejected") == 5)
        #expect(try daemon.client.send("DELETE", "/sessions/\(id)", json: [:]).status == 200)
        #expect(try post(daemon, id, token: token, good) == 410)
        #expect(hookCount(daemon, "late") == 1)
        #expect(try daemon.client.get("/health").status == 200, "still serving")
    }

    @Test func theHookCommandExitsZeroWithoutADaemonOrWithNonsense() async throws {
        let dir = TemporaryDirectory("tether-hook")
        defer { dir.remove() }
        let missing = dir.file("no.sock")
        // A token file that is a FIFO with no writer: the hook must not wait on it.
        let fifo = dir.file("fifo")
        #expect(mkfifo(fifo, 0o600) == 0)
        for arguments in ["claude Stop --session s1 --socket \(missing) </dev/null", "claude", "--session", "codex agent-turn-complete --socket \(missing) --session s1 '{\"type\":\"agent-turn-complete\"}'",
                          "claude Stop --socket \(missing) < /dev/null", "claude Stop --session s1 --socket \(missing) --token-file \(dir.file("none")) </dev/null",
                          "claude Stop --session s1 --socket \(missing) --token-file \(fifo) </dev/null", "claude Stop --session s1 --token", "claude Stop --token-file"] {
            let result = try await shell("\(Self.client) hook \(arguments)", timeout: .seconds(20))
            #expect(result.status == 0, "tether hook \(arguments): \(result.output)")
            #expect(result.output.isEmpty, "a hook prints nothing: \(result.output)")
        }
    }
}
