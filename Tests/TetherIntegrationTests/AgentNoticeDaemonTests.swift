import Foundation
import Testing
import TetherClient
import TetherCore
import TetherRedis

/// Notices to the session that started another (issue 12, item 9) and the agent restart (item 10),
/// against a real daemon running the fake agent as `claude` in real tmux: one notice per turn and
/// per dialog submitted to the initiator's agent (never typed into a shell); a Python peer's
/// `stop_notification` / `input_notification` submitted to the local caller, never forwarded, the
/// daemon serving on; a restart that waits for the agent to exit and brings it back, resumed,
/// with its hooks.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct AgentNoticeDaemonTests {
    /// A turn of the fake agent (work time plus hooks and a few polls) and the notice's typing.
    static let noticeWait: Duration = .seconds(20)

    func summary(_ daemon: APIDaemon, _ id: String) -> [String: Any] {
        (try? daemon.client.get("/sessions/\(id)").object) ?? [:]
    }

    func occurrences(_ needle: String, in text: String) -> Int {
        text.components(separatedBy: needle).count - 1
    }

    /// The notices the fake agents logged as submitted (every fake agent of a daemon logs to one file).
    func notices(_ path: String) -> [String] {
        events(path).compactMap { $0["submit"] as? String }.filter { $0.hasPrefix("[tether]") }
    }

    /// A session running the fake agent, idle.
    func agentSession(_ daemon: APIDaemon, title: String) async throws -> String {
        let created = try daemon.client.send("POST", "/sessions", json: ["computer": daemon.computer, "project_dir": daemon.project, "agent": "claude", "title": title])
        let id = try #require(created.object["session_id"] as? String, "\(created.text)")
        #expect(await eventually { summary(daemon, id)["agent_state"] as? String == "idle" }, "\(summary(daemon, id))")
        return id
    }

    func events(_ path: String) -> [[String: Any]] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    @Test func theInitiatorGetsOneNoticePerTurnAndPerDialog() async throws {
        let logs = TemporaryDirectory("tether-notice")
        defer { logs.remove() }
        let command = "\(Binaries.fakeAgent) --flavour claude --work-ms 400 --events \(logs.file("events"))"
        let daemon = try await APIDaemon(configuration: "agents: {claude: {command: \"\(command)\"}}")
        defer { daemon.remove() }
        let parent = try await agentSession(daemon, title: "parent")
        let shell = try daemon.newSession()
        let created = try daemon.client.send("POST", "/sessions", json: ["computer": daemon.computer, "project_dir": daemon.project, "agent": "claude",
                                                                        "title": "child", "initiator_session_id": parent])
        let child = try #require(created.object["session_id"] as? String, "\(created.text)")
        #expect(summary(daemon, child)["initiator_session_id"] as? String == parent)
        #expect(await eventually { summary(daemon, child)["agent_state"] as? String == "idle" }, "\(summary(daemon, child))")

        let path = logs.file("events")
        func count(_ words: String) -> Int { notices(path).filter { $0.contains(words) }.count }
        for (index, word) in ["alpha", "beta"].enumerated() {
            #expect(try daemon.client.send("POST", "/sessions/\(child)/message", json: ["message": "say \(word)"]).status == 200)
            #expect(await eventually(timeout: Self.noticeWait) { count("finished its turn: Done: say \(word)") == 1 },
                    "notices: \(notices(path))\n\(daemon.process.log)")
            #expect(count("finished its turn") == index + 1, "\(notices(path))")
        }
        // A dialog: one needs-input notice while it is open, then the turn's own when answered.
        #expect(try daemon.client.send("POST", "/sessions/\(child)/message", json: ["message": "EDIT test.txt"]).status == 200)
        #expect(await eventually(timeout: Self.noticeWait) { count("needs input") == 1 }, "\(notices(path))")
        #expect(await eventually { summary(daemon, child)["agent_state"] as? String == "needs_input" })
        #expect(try daemon.client.send("POST", "/sessions/\(child)/answer", json: ["choice": 1]).status == 200)
        #expect(await eventually(timeout: Self.noticeWait) { count("finished its turn") == 3 }, "\(notices(path))")
        #expect(count("needs input") == 1 && count("finished its turn") == 3 && notices(path).count == 4, "\(notices(path))")
        #expect(notices(path).allSatisfy { $0.hasPrefix("[tether] session '") && $0.contains("child' on \(daemon.computer) ") }, "\(notices(path))")
        #expect(!daemon.transcript(child).contains("[tether]"), "the child itself gets no notice")

        // A shell never has a notice typed into it: the notice carries the agent's words, which it would run.
        let quiet = try daemon.client.send("POST", "/sessions", json: ["computer": daemon.computer, "project_dir": daemon.project, "agent": "claude",
                                                                      "title": "child of a shell", "initiator_session_id": shell])
        let second = try #require(quiet.object["session_id"] as? String, "\(quiet.text)")
        #expect(await eventually { summary(daemon, second)["agent_state"] as? String == "idle" })
        #expect(try daemon.client.send("POST", "/sessions/\(second)/message", json: ["message": "say `touch pwned` $(touch pwned2)"]).status == 200)
        #expect(await eventually(timeout: Self.noticeWait) { daemon.process.log.contains("a notice is never typed into a shell") }, "\(daemon.process.log)")
        #expect(!daemon.transcript(shell).contains("[tether]"), "\(daemon.transcript(shell))")
        #expect(!FileManager.default.fileExists(atPath: daemon.project + "/pwned") && !FileManager.default.fileExists(atPath: daemon.project + "/pwned2"))
    }

    @Test func aPythonPeersNoticesReachTheCallerAndAreNeverForwarded() async throws {
        let server = try await RedisServer()
        defer { server.remove() }
        let host = try PythonHost(server)
        try await host.serving {
            let logs = TemporaryDirectory("tether-notice-py")
            defer { logs.remove() }
            let path = logs.file("events")
            let daemon = try await APIDaemon(computer: "tether1", configuration: """
                redis: {enabled: true, url: "\(server.url())"}
                agents: {claude: {command: "\(Binaries.fakeAgent) --flavour claude --work-ms 200 --events \(path)"}}
                """)
            defer { daemon.remove() }
            let caller = try await agentSession(daemon, title: "caller")
            host.initiatorSessionID.withLock { $0 = caller }
            let peer = try PythonPeer(server)
            #expect(await eventually { (try? await peer.link.send(["EXISTS", RedisKeys.heartbeat(daemon.computer)])) == .integer(1) })
            #expect(await daemon.readsRequests(), "\(daemon.process.log)")

            let title = Data("py: fix the build".utf8).base64EncodedString()
            let stopped = try await peer.reply(try await peer.send("/stop_notification \(host.sessionID) \(host.name) \(title)", to: daemon.computer))
            #expect(stopped?["status"] as? String == "success", "\(String(describing: stopped))")
            #expect(await eventually(timeout: Self.noticeWait) {
                notices(path).contains { $0.contains("[tether] session 'py: fix the build' on py finished its turn") }
            }, "\(notices(path))\n\(daemon.process.log)")

            let question = Data("Allow Bash to run make?".utf8).base64EncodedString()
            let asked = try await peer.reply(try await peer.send("/input_notification \(host.sessionID) \(host.name) \(question)", to: daemon.computer))
            #expect(asked?["status"] as? String == "success", "\(String(describing: asked))")
            #expect(await eventually(timeout: Self.noticeWait) { notices(path).contains { $0.contains("on py needs input: Allow Bash to run make?") } },
                    "\(notices(path))")

            // Bad and unknown notices: a clear refusal or nothing typed, and the daemon serves on.
            let missing = try await peer.reply(try await peer.send("/input_notification \(host.sessionID) \(host.name)", to: daemon.computer))
            #expect(missing?["status"] as? String == "error", "\(String(describing: missing))")
            let ghost = try await peer.reply(try await peer.send("/input_notification ghost-session py \(question)", to: daemon.computer))
            #expect(ghost?["status"] as? String == "success")
            let listed = try await peer.reply(try await peer.send("/list_sessions", to: daemon.computer))
            #expect((listed?["data"] as? [Any])?.count == 1, "\(String(describing: listed))")
            #expect(try daemon.client.get("/health").status == 200)
            #expect(notices(path).count == 2, "\(notices(path))")
            let forwarded = host.asked.withLock { $0 }.filter { $0.hasSuffix("_notification") }
            #expect(forwarded.isEmpty, "never forwarded again: \(forwarded)")
        }
    }

    @Test func aSessionStartedFromAnotherTetherComputerNoticesItsCaller() async throws {
        let server = try await RedisServer()
        defer { server.remove() }
        let command = "\(Binaries.fakeAgent) --flavour claude --work-ms 300"
        let logs = TemporaryDirectory("tether-notice-alpha")
        defer { logs.remove() }
        let path = logs.file("events")
        let alpha = try await APIDaemon(computer: "alpha", configuration: """
            redis: {enabled: true, url: "\(server.url())"}
            agents: {claude: {command: "\(command) --events \(path)"}}
            """)
        defer { alpha.remove() }
        let beta = try await APIDaemon(computer: "beta", configuration: """
            redis: {enabled: true, url: "\(server.url())"}
            agents: {claude: {command: "\(command)"}}
            """)
        defer { beta.remove() }
        let seen = await eventually(timeout: RedisKeys.heartbeatInterval + .seconds(10)) {
            ((try? alpha.client.get("/computers").list) ?? []).contains { $0["name"] as? String == "beta" }
        }
        #expect(seen, "\(alpha.process.log)")
        let caller = try await agentSession(alpha, title: "caller")
        let created = try alpha.client.send("POST", "/sessions", json: ["computer": "beta", "project_dir": beta.project, "agent": "claude",
                                                                       "title": "remote child", "initiator_session_id": caller])
        let child = try #require(created.object["session_id"] as? String, "\(created.text)\n\(alpha.process.log)")
        #expect(await eventually(timeout: Self.noticeWait) { summary(beta, child)["agent_state"] as? String == "idle" }, "\(summary(beta, child))")
        #expect(summary(beta, child)["initiator_session_id"] as? String == caller)
        #expect(try beta.client.send("POST", "/sessions/\(child)/message", json: ["message": "say gamma"]).status == 200)
        #expect(await eventually(timeout: Self.noticeWait) { notices(path).contains { $0.contains(" on beta finished its turn") } },
                "caller: \(notices(path))\nbeta: \(beta.process.log)\nalpha: \(alpha.process.log)")
        #expect(notices(path).count == 1, "\(notices(path))")
    }

    @Test func agentRestartWaitsForTheAgentToExitAndResumesItWithItsHooks() async throws {
        let logs = TemporaryDirectory("tether-restart")
        defer { logs.remove() }
        let eventLog = logs.file("events")
        let command = "\(Binaries.fakeAgent) --flavour claude --work-ms 4000 --events \(eventLog)"
        let daemon = try await APIDaemon(configuration: "agents: {claude: {command: \"\(command)\"}}")
        defer { daemon.remove() }
        let created = try daemon.client.send("POST", "/sessions", json: ["computer": daemon.computer, "project_dir": daemon.project, "agent": "claude"])
        let id = try #require(created.object["session_id"] as? String, "\(created.text)")
        #expect(await eventually { summary(daemon, id)["agent_state"] as? String == "idle" }, "\(summary(daemon, id))")

        // Mid-turn: the first Ctrl-C pair only ends the turn; the restart presses on until the shell is back.
        #expect(try daemon.client.send("POST", "/sessions/\(id)/message", json: ["message": "a long task"]).status == 200)
        #expect(await eventually { summary(daemon, id)["agent_state"] as? String == "working" }, "\(summary(daemon, id))")
        let restarted = try daemon.client.request("POST", "/sessions/\(id)/agent-restart")
        #expect(restarted.status == 200, "\(restarted.text)")
        #expect(await eventually { events(eventLog).filter { $0["start"] != nil }.count == 2 }, "\(events(eventLog))\n\(daemon.transcript(id))")
        let starts = events(eventLog).compactMap { $0["start"] as? [String: Any] }
        // Its own conversation, by the id its SessionStart hook reported, never the directory's latest.
        let first = try #require(starts.first?["session_id"] as? String)
        #expect((starts.last?["ignored_arguments"] as? [String])?.suffix(2) == ["--resume", first], "resumed: \(starts)")
        #expect(events(eventLog).contains { $0["interrupt"] != nil }, "the first pair ended the turn: \(events(eventLog))")
        #expect(events(eventLog).contains { $0["exit"] as? String == "exit" }, "the first agent exited: \(events(eventLog))")
        // With its hooks: the new agent's SessionStart reaches the daemon, and its state goes on from starting.
        #expect(await eventually { events(eventLog).filter { $0["hook"] as? String == "SessionStart" }.count == 2 }, "\(events(eventLog))")
        #expect(await eventually { summary(daemon, id)["agent_state"] as? String == "idle" }, "\(summary(daemon, id))")

        // Idle, through the CLI: one Ctrl-C pair ends it, and it comes back.
        let cli = try await shell("\(Binaries.directory.appendingPathComponent("tether").path) restart-agent \(id) --socket \(daemon.socket)")
        #expect(cli.status == 0, "\(cli.output)")
        #expect(await eventually { events(eventLog).filter { $0["start"] != nil }.count == 3 }, "\(events(eventLog))")
        let again = events(eventLog).compactMap { $0["start"] as? [String: Any] }
        #expect((again.last?["ignored_arguments"] as? [String])?.suffix(2) == ["--resume", again[1]["session_id"] as? String ?? "?"], "\(again)")

        let unknown = try daemon.client.request("POST", "/sessions/no-such-session/agent-restart")
        #expect(unknown.status == 404, "\(unknown.text)")
        let bad = try daemon.client.send("POST", "/sessions/\(id)/agent-restart", json: ["agent": "nobody"])
        #expect(bad.status == 400, "\(bad.text)")
    }
}
