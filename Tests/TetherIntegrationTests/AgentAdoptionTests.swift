import Foundation
import Testing
import TetherClient

/// A daemon restart with a live agent session (review of issue 12, item 2): the adopted session's
/// agent is followed again, its state comes back from the screen, a text sent afterwards is queued,
/// pasted and submitted once; and the agent's own conversation id, stored from its hooks, outlives
/// the restart, so an agent restart resumes exactly that conversation (item 8).
@Suite(.serialized, .timeLimit(.minutes(5)))
struct AgentAdoptionTests {
    /// Start-up of the second daemon plus the three polls that settle `starting` from the screen.
    static let settleWait: Duration = .seconds(20)
    /// A short fake turn, its hooks and the submit's confirmation.
    static let deliveryWait: Duration = .seconds(30)

    func summary(_ daemon: APIDaemon, _ id: String) -> [String: Any] {
        (try? daemon.client.get("/sessions/\(id)").object) ?? [:]
    }

    func events(_ path: String) -> [[String: Any]] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    @Test func aRestartedDaemonFollowsTheAgentAgainDeliversOnceAndResumesItsOwnConversation() async throws {
        let logs = TemporaryDirectory("tether-adopt")
        defer { logs.remove() }
        let eventLog = logs.file("events")
        let command = "\(Binaries.fakeAgent) --flavour claude --work-ms 400 --events \(eventLog)"
        let daemon = try await APIDaemon(configuration: "agents: {claude: {command: \"\(command)\"}}")
        defer { daemon.remove() }
        let created = try daemon.client.send("POST", "/sessions", json: ["computer": daemon.computer, "project_dir": daemon.project, "agent": "claude"])
        let id = try #require(created.object["session_id"] as? String, "\(created.text)")
        #expect(await eventually { summary(daemon, id)["agent_state"] as? String == "idle" }, "\(summary(daemon, id))")
        let first = try #require(events(eventLog).compactMap { $0["start"] as? [String: Any] }.first?["session_id"] as? String)
        // The SessionStart hook reached the daemon, so its conversation id is on the row before the stop.
        #expect(await eventually { events(eventLog).contains { $0["hook"] as? String == "SessionStart" } }, "\(events(eventLog))")

        #expect(await daemon.stop() == 0, "\(daemon.process.log)")
        try await daemon.restart()
        #expect(summary(daemon, id)["status"] as? String != "closed", "adopted: \(summary(daemon, id))")
        #expect(await eventually(timeout: Self.settleWait) { summary(daemon, id)["agent_state"] as? String == "idle" },
                "\(summary(daemon, id))\n\(daemon.process.log)")

        let response = try daemon.client.send("POST", "/sessions/\(id)/message", json: ["message": "after the restart"])
        let inputID = try #require((response.object["result"] as? [String: Any])?["input_id"] as? String, "\(response.text)")
        #expect(await eventually(timeout: Self.deliveryWait) {
            (try? daemon.client.get("/inputs/\(inputID)").object)?["state"] as? String == "delivered"
        }, "\(daemon.transcript(id))\n\(daemon.process.log)")
        let submits = events(eventLog).compactMap { $0["submit"] as? String }
        #expect(submits == ["after the restart"], "one submit, the text whole: \(submits)")

        // The id came back from the store: the restart resumes this conversation, not the directory's latest.
        let restarted = try daemon.client.request("POST", "/sessions/\(id)/agent-restart")
        #expect(restarted.status == 200, "\(restarted.text)")
        #expect(await eventually { events(eventLog).filter { $0["start"] != nil }.count == 2 }, "\(events(eventLog))")
        let resumed = events(eventLog).compactMap { $0["start"] as? [String: Any] }.last?["ignored_arguments"] as? [String] ?? []
        #expect(resumed.suffix(2) == ["--resume", first], "\(resumed)")
    }
}
