import Foundation
import TetherClient

/// Issue 12's figures against a release `tetherd` out of process: a hook to its `session_updated`,
/// a `send` to its delivered receipt on an idle fake agent, and the polling cost of screen checks.
enum AgentBenchmark {
    static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }

    static func row(_ values: [Double]) -> String {
        String(format: "| %.1f ms | %.1f ms | %.1f ms | %d |", Measure.percentile(values, 0.5), Measure.percentile(values, 0.99), values.max() ?? 0, values.count)
    }

    /// Runs `arguments` and waits for it (the `tether hook` an agent would run).
    static func run(_ arguments: [String]) {
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        if posix_spawn(&child, argv[0]!, nil, nil, argv, environ) == 0 { waitpid(child, nil, 0) }
    }

    /// Two screens that change every second, as shell scripts in a temporary directory: `date`
    /// output (plain ASCII), and a Claude Code screen mid-turn (its reply, the spinner line with
    /// `esc to interrupt`, the input box between rules) redrawn with a new count.
    static func screenScripts() throws -> [(name: String, path: String)] {
        let directory = NSTemporaryDirectory() + "tether-bench-screens-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let ascii = "while :; do date +%s%N; sleep 1; done\n"
        let agent = """
            i=0
            while :; do
              i=$((i+1))
              printf '\\033[H\\033[2J⏺ Reading the files the task names.\\n  ⎿  Read 120 lines\\n\\n'
              printf '✻ Thinking… (%ss · ↑ 1.2k tokens · esc to interrupt)\\n\\n' "$i"
              printf '────────────────────────────────────────\\n> \\n────────────────────────────────────────\\n  ? for shortcuts\\n'
              sleep 1
            done

            """
        var scripts: [(String, String)] = []
        for (name, text) in [("plain ASCII (`date`)", ascii), ("an agent's own (spinner, rules, input box)", agent)] {
            let path = directory + "/screen-\(scripts.count).sh"
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            scripts.append((name, path))
        }
        return scripts
    }

    static func run(sessions count: Int, seconds: Int) throws -> [String] {
        let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
        var lines = ["## Agents (tetherd release build, out of process, the fixture fake agent)", ""]

        // A hook (the `tether hook` process an agent runs) to session_updated on a WebSocket client.
        let (daemon, session, tokenFile) = try hookedSession()
        let socket = try TetherWebSocket(socketPath: daemon.socket)
        try socket.send(json: ["subscribe": "sessions"])
        _ = try socket.receiveJSON(timeout: .seconds(10))
        var hookLatencies: [Double] = []
        for round in 0..<200 {
            let event = round % 2 == 0 ? "PreToolUse" : "Stop"
            let want = round % 2 == 0 ? "working" : "idle"
            let started = ContinuousClock.now
            run([directory + "/tether", "hook", "claude", event, "--session", session, "--socket", daemon.socket, "--token-file", tokenFile,
                 #"{"hook_event_name":"\#(event)"}"#])
            while let message = try socket.receiveJSON(timeout: .seconds(10)) {
                let data = message["data"] as? [String: Any]
                if message["event"] as? String == "session_updated", data?["agent_state"] as? String == want { break }
            }
            hookLatencies.append(milliseconds(started.duration(to: .now)))
        }
        socket.close()
        daemon.stop()
        lines += ["### A hook (`tether hook` run as an agent runs it) to `session_updated` on a WebSocket client, 200 hooks", "",
                  "| p50 | p99 | max | n |", "|---|---|---|---|", row(hookLatencies), ""]

        // `tether hook` spawn to exit, alone and during a paced storm of 1,000 direct hook posts a second.
        lines += try hookUnderStorm(directory: directory)

        // tether send (POST /message) to the delivered receipt, on an idle fake agent.
        let fake = directory + "/tether-fake-agent --flavour claude --work-ms 50"
        let agentDaemon = try DaemonUnderTest(binary: "tetherd", configuration: "agents: {claude: {command: \"\(fake)\"}}")
        let created = try agentDaemon.client.send("POST", "/sessions", json: ["computer": "bench", "project_dir": agentDaemon.root + "/home", "agent": "claude"])
        guard let agent = (try created.json() as? [String: Any])?["session_id"] as? String else { throw ClientError("create: \(created.text)") }
        func state() -> String? { (try? agentDaemon.client.get("/sessions/\(agent)").json() as? [String: Any])?["agent_state"] as? String }
        let receipts = try TetherWebSocket(socketPath: agentDaemon.socket)
        var sendLatencies: [Double] = []
        for round in 0..<100 {
            let deadline = ContinuousClock.now + .seconds(30)
            while state() != "idle" {
                guard ContinuousClock.now < deadline else { throw ClientError("the fake agent did not become idle") }
                usleep(5_000)
            }
            let started = ContinuousClock.now
            let response = try agentDaemon.client.send("POST", "/sessions/\(agent)/message", json: ["message": "round \(round)"])
            let inputID = ((try response.json() as? [String: Any])?["result"] as? [String: Any])?["input_id"] as? String
            while let message = try receipts.receiveJSON(timeout: .seconds(30)) {
                let data = message["data"] as? [String: Any]
                if message["event"] as? String == "input_updated", data?["input_id"] as? String == inputID, data?["state"] as? String != "queued" { break }
            }
            sendLatencies.append(milliseconds(started.duration(to: .now)))
        }
        receipts.close()
        agentDaemon.stop()
        lines += ["### `send` to the delivered receipt on an idle fake agent (paste, settle 0.15 s, Enter, confirmed), 100 messages", "",
                  "| p50 | p99 | max | n |", "|---|---|---|---|", row(sendLatencies), ""]

        // Polling cost: sessions whose screen changes every second, plain or followed as agents,
        // once with a plain-ASCII screen (the byte-scan fast path) and once with an agent's own
        // screen (box rules, a spinner line, the input box: read in full on every change).
        let screens = try Self.screenScripts()
        lines += ["### Polling \(count) sessions whose screen changes every second, \(seconds) s: daemon CPU", "",
                  "| screen | plain sessions | followed as agents (screen checks) | ratio |", "|---|---|---|---|"]
        for (name, script) in screens {
            var cpu: [Bool: Double] = [:]
            for followed in [false, true] {
                let configuration = followed ? "agents: {claude: {command: \"sh \(script) #\"}}" : ""
                let world = try DaemonUnderTest(binary: "tetherd", configuration: configuration)
                for _ in 0..<count {
                    var body: [String: Any] = ["computer": "bench", "project_dir": world.root + "/home"]
                    if followed { body["agent"] = "claude" } else { body["shell"] = true; body["command"] = "sh \(script)" }
                    _ = try world.client.send("POST", "/sessions", json: body)
                }
                sleep(5)
                let before = world.cpuSeconds
                sleep(UInt32(seconds))
                cpu[followed] = world.cpuSeconds - before
                world.stop()
            }
            let plain = cpu[false] ?? 0, agents = cpu[true] ?? 0
            lines.append(String(format: "| %@ | %.2f s (%.2f%%) | %.2f s (%.2f%%) | %.2f |", name, plain, plain / Double(seconds) * 100, agents,
                                agents / Double(seconds) * 100, plain > 0 ? agents / plain : 0))
        }
        lines.append("")
        return lines
    }
}
