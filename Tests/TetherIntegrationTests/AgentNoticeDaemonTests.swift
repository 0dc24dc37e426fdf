import Foundation
import Testing
import TetherClient
import TetherCore
import TetherRedis

/// Notices to the session that started another (issue 12, item 9) and the agent restart (item 10),
/// against a real daemon running the fake agent as `claude` in real tmux: one notice per turn and
/// per dialog in the initiator's pane; a Python peer's `stop_notification` / `input_notification`
/// typed into the local caller, never forwarded, the daemon serving on; a restart that waits for
/// the agent to exit and brings it back, resumed, with its hooks.
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
        let parent = try daemon.newSession()
        let created = try daemon.client.send("POST", "/sessions", json: ["computer": daemon.computer, "project_dir": daemon.project, "agent": "claude",
                                                                        "title": "child", "initiator_session_id": parent])
        let child = try #require(created.object["session_id"] as? String, "\(created.text)")
        #expect(summary(daemon, child)["initiator_session_id"] as? String == parent)
        #expect(await eventually { summary(daemon, child)["agent_state"] as? String == "idle" }, "\(summary(daemon, child))")

        for (index, word) in ["alpha", "beta"].enumerated() {
            #expect(try daemon.client.send("POST", "/sessions/\(child)/message", json: ["message": "say \(word)"]).status == 200)
            #expect(await eventually(timeout: Self.noticeWait) { daemon.transcript(parent).contains("finished its turn: Done: say \(word)") },
                    "parent: \(daemon.transcript(parent))\n\(daemon.process.log)")
            #expect(occurrences("finished its turn", in: daemon.transcript(parent)) == index + 1, "\(daemon.transcript(parent))")
        }
        // A dialog: one needs-input notice while it is open, then the turn's own when answered.
        #expect(try daemon.client.send("POST", "/sessions/\(child)/message", json: ["message": "EDIT test.txt"]).status == 200)
        #expect(await eventually(timeout: Self.noticeWait) { daemon.transcript(parent).contains("needs input") }, "\(daemon.transcript(parent))")
        #expect(await eventually { summary(daemon, child)["agent_state"] as? String == "needs_input" })
        #expect(try daemon.client.send("POST", "/sessions/\(child)/answer", json: ["choice": 1]).status == 200)
        #expect(await eventually(timeout: Self.noticeWait) { occurrences("finished its turn", in: daemon.transcript(parent)) == 3 },
                "\(daemon.transcript(parent))")
        let screen = daemon.transcript(parent)
        #expect(occurrences("needs input", in: screen) == 1 && occurrences("finished its turn", in: screen) == 3, "\(screen)")
        #expect(screen.contains("[tether] session '") && screen.contains(" on \(daemon.computer) "), "\(screen)")
        #expect(!daemon.transcript(child).contains("[tether]"), "the child itself gets no notice")
    }

    @Test func aPythonPeersNoticesReachTheCallerAndAreNeverForwarded() async throws {
        let server = try await RedisServer()
        defer { server.remove() }
        let host = try PythonHost(server)
        // Written before the daemon starts: its first sweep finds a peer that writes no index.
        try await host.beat()
        let stop = AsyncEvent()
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { await host.serve(until: stop) }
            defer { stop.fire() }
            let daemon = try await APIDaemon(computer: "tether1", configuration: "redis: {enabled: true, url: \"\(server.url())\"}")
            defer { daemon.remove() }
            let caller = try daemon.newSession()
            host.initiatorSessionID.withLock { $0 = caller }
            let peer = try PythonPeer(server)
            #expect(await eventually { (try? await peer.link.send(["EXISTS", RedisKeys.heartbeat(daemon.computer)])) == .integer(1) })

            let title = Data("py: fix the build".utf8).base64EncodedString()
            let stopped = try await peer.reply(try await peer.send("/stop_notification \(host.sessionID) \(host.name) \(title)", to: daemon.computer))
            #expect(stopped?["status"] as? String == "success", "\(String(describing: stopped))")
            #expect(await eventually(timeout: Self.noticeWait) {
                daemon.transcript(caller).contains("[tether] session 'py: fix the build' on py finished its turn")
            }, "\(daemon.transcript(caller))\n\(daemon.process.log)")

            let question = Data("Allow Bash to run make?".utf8).base64EncodedString()
            let asked = try await peer.reply(try await peer.send("/input_notification \(host.sessionID) \(host.name) \(question)", to: daemon.computer))
            #expect(asked?["status"] as? String == "success", "\(String(describing: asked))")
            #expect(await eventually(timeout: Self.noticeWait) { daemon.transcript(caller).contains("on py needs input: Allow Bash to run make?") },
                    "\(daemon.transcript(caller))")

            // Bad and unknown notices: a clear refusal or nothing typed, and the daemon serves on.
            let missing = try await peer.reply(try await peer.send("/input_notification \(host.sessionID) \(host.name)", to: daemon.computer))
            #expect(missing?["status"] as? String == "error", "\(String(describing: missing))")
            let ghost = try await peer.reply(try await peer.send("/input_notification ghost-session py \(question)", to: daemon.computer))
            #expect(ghost?["status"] as? String == "success")
            let listed = try await peer.reply(try await peer.send("/list_sessions", to: daemon.computer))
            #expect((listed?["data"] as? [Any])?.count == 1, "\(String(describing: listed))")
            #expect(try daemon.client.get("/health").status == 200)
            #expect(occurrences("[tether]", in: daemon.transcript(caller)) == 2, "\(daemon.transcript(caller))")
            let forwarded = host.asked.withLock { $0 }.filter { $0.hasSuffix("_notification") }
            #expect(forwarded.isEmpty, "never forwarded again: \(forwarded)")
        }
    }

    @Test func aSessionStartedFromAnotherTetherComputerNoticesItsCaller() async throws {
        let server = try await RedisServer()
        defer { server.remove() }
        let command = "\(Binaries.fakeAgent) --flavour claude --work-ms 300"
        let alpha = try await APIDaemon(computer: "alpha", configuration: "redis: {enabled: true, url: \"\(server.url())\"}")
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
        let caller = try alpha.newSession()
        let created = try alpha.client.send("POST", "/sessions", json: ["computer": "beta", "project_dir": beta.project, "agent": "claude",
                                                                       "title": "remote child", "initiator_session_id": caller])
        let child = try #require(created.object["session_id"] as? String, "\(created.text)\n\(alpha.process.log)")
        #expect(await eventually(timeout: Self.noticeWait) { summary(beta, child)["agent_state"] as? String == "idle" }, "\(summary(beta, child))")
        #expect(summary(beta, child)["initiator_session_id"] as? String == caller)
        #expect(try beta.client.send("POST", "/sessions/\(child)/message", json: ["message": "say gamma"]).status == 200)
        #expect(await eventually(timeout: Self.noticeWait) { alpha.transcript(caller).contains(" on beta finished its turn") },
                "caller: \(alpha.transcript(caller))\nbeta: \(beta.process.log)\nalpha: \(alpha.process.log)")
        #expect(occurrences("[tether]", in: alpha.transcript(caller)) == 1, "\(alpha.transcript(caller))")
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
