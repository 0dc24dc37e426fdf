import Foundation
import TetherCore
import TetherRedis
import Testing

/// `POST /sessions/{id}/answer` and `/agent-restart` for a session of another computer: two real
/// daemons on one real `redis-server`, the host's session running the fixture fake agent, or a
/// stand-in Python host that has no handler for Tether's own `answer`.
@Suite(.serialized, .timeLimit(.minutes(4))) struct RemoteAgentCommandsTests {
    /// A peer shows up at the latest at the others' next discovery round, plus its first heartbeat.
    static let discoveryWait: Duration = RedisKeys.heartbeatInterval + .seconds(10)
    /// A request to a peer answers within its deadline (at most 12 s for a restart); the host's
    /// agent then shows the change within a few polls.
    static let remoteWait: Duration = .seconds(30)

    /// `alpha` and `beta` on `server`; beta's `claude` is the fake agent logging its events to `events`,
    /// and runs in one session of beta, idle. Returns the daemons and that session's id.
    func hostWithAnAgent(on server: RedisServer, events: String) async throws -> (alpha: APIDaemon, beta: APIDaemon, id: String) {
        let command = "\(Binaries.fakeAgent) --flavour claude --work-ms 800 --events \(events)"
        let beta = try await APIDaemon(computer: "beta", configuration: """
            redis: {enabled: true, url: "\(server.url())"}
            agents: {claude: {command: "\(command)"}}
            """)
        let alpha: APIDaemon
        do {
            alpha = try await APIDaemon(computer: "alpha", configuration: "redis: {enabled: true, url: \"\(server.url())\"}")
        } catch {
            beta.remove()
            throw error
        }
        let created = try beta.client.send("POST", "/sessions", json: ["computer": "beta", "project_dir": beta.project, "agent": "claude"])
        guard let id = created.object["session_id"] as? String else {
            alpha.remove(); beta.remove()
            throw SandboxError("create on beta: \(created.text)")
        }
        let ready = await eventually(timeout: Self.remoteWait) { agentState(beta, id) == "idle" }
        let seen = await eventually(timeout: Self.discoveryWait) {
            ((try? alpha.client.get("/computers").list) ?? []).contains { $0["name"] as? String == "beta" }
        }
        guard ready, seen else {
            let why = "idle: \(ready), beta seen by alpha: \(seen)\n\(beta.transcript(id))\n\(alpha.process.log)"
            alpha.remove(); beta.remove()
            throw SandboxError(why)
        }
        return (alpha, beta, id)
    }

    func agentState(_ daemon: APIDaemon, _ id: String) -> String? {
        (try? daemon.client.get("/sessions/\(id)").object)?["agent_state"] as? String
    }

    /// The values of `key` in the fake agent's event log, oldest first.
    func logged(_ path: String, named key: String) -> [Any] {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }
            .compactMap { $0[key] }
    }

    @Test func aDialogOnAnotherComputerIsAnsweredThroughThisOnesAPI() async throws {
        let server = try await RedisServer()
        defer { server.remove() }
        let events = NSTemporaryDirectory() + "tether-remote-answer-\(UUID().uuidString).events"
        defer { try? FileManager.default.removeItem(atPath: events) }
        let (alpha, beta, id) = try await hostWithAnAgent(on: server, events: events)
        defer { alpha.remove(); beta.remove() }

        #expect(try alpha.client.send("POST", "/sessions/\(id)/message", json: ["message": "EDIT test.txt"]).status == 200)
        // The host knows the dialog's choices once its screen shows them (a hook says only that a dialog is open).
        let choices = await eventually(timeout: Self.remoteWait) {
            let prompt = (try? beta.client.get("/sessions/\(id)").object)?["prompt"] as? [String: Any]
            return agentState(beta, id) == "needs_input" && (prompt?["choices"] as? [Any])?.count == 3
        }
        #expect(choices, "\((try? beta.client.get("/sessions/\(id)").text) ?? "")")

        // A choice the dialog does not offer: the host's refusal, as a 400 with its reason.
        let wrong = try alpha.client.send("POST", "/sessions/\(id)/answer", json: ["choice": 7])
        #expect(wrong.status == 400, "\(wrong.text)")
        #expect(wrong.text.contains("beta refused answer 7") && wrong.text.contains("has no choice 7") && wrong.text.contains("1, 2, 3"),
                "\(wrong.text)")
        #expect(logged(events, named: "answer").isEmpty, "nothing typed for a wrong choice")

        let answered = try alpha.client.send("POST", "/sessions/\(id)/answer", json: ["choice": 2])
        #expect(answered.status == 200 && answered.object["status"] as? String == "success", "\(answered.text)\n\(alpha.process.log)")
        #expect(await eventually(timeout: Self.remoteWait) { logged(events, named: "answer").compactMap { $0 as? Int } == [2] },
                "\(logged(events, named: "answer"))")
        #expect(await eventually(timeout: Self.remoteWait) { agentState(beta, id) == "idle" }, "the turn goes on and ends")

        // No dialog open any more: refused by the host too.
        let late = try alpha.client.send("POST", "/sessions/\(id)/answer", json: ["choice": 1])
        #expect(late.status == 400 && late.text.contains("not waiting for an answer"), "\(late.text)")
    }

    @Test func anAgentOnAnotherComputerRestartsThroughThisOnesAPI() async throws {
        let server = try await RedisServer()
        defer { server.remove() }
        let events = NSTemporaryDirectory() + "tether-remote-restart-\(UUID().uuidString).events"
        defer { try? FileManager.default.removeItem(atPath: events) }
        let (alpha, beta, id) = try await hostWithAnAgent(on: server, events: events)
        defer { alpha.remove(); beta.remove() }
        #expect(logged(events, named: "start").count == 1)

        // An agent the wire cannot name is refused here, before anything reaches beta.
        let unnamed = try alpha.client.send("POST", "/sessions/\(id)/agent-restart", json: ["agent": "cursor"])
        #expect(unnamed.status == 400 && unnamed.text.contains("cursor cannot be restarted on beta over Redis")
                && unnamed.text.contains("claude, gemini, codex"), "\(unnamed.text)")

        let restarted = try alpha.client.send("POST", "/sessions/\(id)/agent-restart", json: [:])
        #expect(restarted.status == 200 && restarted.object["status"] as? String == "success", "\(restarted.text)\n\(alpha.process.log)")
        // The first agent exited on the Ctrl-C pair, a second one started, resuming its conversation.
        #expect(await eventually(timeout: Self.remoteWait) { logged(events, named: "start").count == 2 }, "\(beta.transcript(id))")
        #expect(logged(events, named: "exit").compactMap { $0 as? String } == ["exit"], "\(logged(events, named: "exit"))")
        let resumed = logged(events, named: "start").last as? [String: Any]
        let first = logged(events, named: "start").first as? [String: Any]
        #expect((resumed?["ignored_arguments"] as? [String])?.suffix(2) == ["--resume", first?["session_id"] as? String ?? "?"],
                "\(String(describing: resumed))")
        #expect(await eventually(timeout: Self.remoteWait) { agentState(beta, id) == "idle" }, "\(beta.transcript(id))")
    }

    @Test func aPythonHostCannotAnswerDialogsAndTheErrorSaysWhatToDoInstead() async throws {
        let server = try await RedisServer()
        defer { server.remove() }
        let host = try PythonHost(server)
        try await host.serving {
            let alpha = try await APIDaemon(computer: "alpha", configuration: "redis: {enabled: true, url: \"\(server.url())\"}")
            defer { alpha.remove() }
            let seen = await eventually(timeout: Self.discoveryWait) {
                ((try? alpha.client.get("/computers").list) ?? []).contains { $0["name"] as? String == host.name }
            }
            #expect(seen, "\(alpha.process.log)")

            let refused = try alpha.client.send("POST", "/sessions/\(host.sessionID)/answer", json: ["choice": 2])
            #expect(refused.status == 400, "\(refused.text)")
            #expect(refused.text.contains("cannot answer dialogs remotely") && refused.text.contains("key_down"), "\(refused.text)")
            #expect(host.asked.withLock { $0 }.contains("answer"), "\(host.asked.withLock { $0 })")
        }
    }
}
