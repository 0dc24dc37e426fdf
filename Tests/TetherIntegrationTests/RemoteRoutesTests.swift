import Foundation
import TetherClient
import TetherCore
import Testing

/// The API's routing between this computer and its peers, against a ``FakePeerGateway``: which
/// requests go to a peer, in what shape they are answered, and how the peers' errors map to HTTP.
@Suite(.serialized, .timeLimit(.minutes(2))) struct RemoteRoutesTests {
    static let remoteID = "beef0001-0000-0000-0000-000000000000"

    func gateway() -> FakePeerGateway {
        let peers = FakePeerGateway(peers: ["beta", "gamma"])
        peers.add(Self.remoteID, on: "beta")
        return peers
    }

    @Test func listingsShowEveryComputerLocalFirst() async throws {
        let peers = gateway()
        try await withInProcessAPI(commands: RecordingCommands(computer: "alpha"), peers: peers) { client, _ in
            let computers = try client.get("/computers").list
            #expect(computers.compactMap { $0["name"] as? String } == ["alpha", "beta", "gamma"])
            #expect(computers[0]["is_local"] as? Bool == true && computers[0]["tmux_binary"] as? String == "tmux")
            #expect(((computers[0]["system_stats"] as? [String: Any])?["cpu"] as? [String: Any])?["percent_used"] as? Double == 12.5)
            #expect(computers[1]["is_local"] as? Bool == false && computers[1]["tmux_binary"] == nil)
            #expect(((computers[1]["system_stats"] as? [String: Any])?["memory"] as? [String: Any])?["total_gb"] as? Double == 16)

            let all = try client.get("/sessions").list
            #expect(all.map { $0["computer"] as? String } == ["alpha", "beta"], "\(all)")
            #expect(try client.get("/sessions?computer=beta").list.map { $0["session_id"] as? String } == [Self.remoteID])
            #expect(try client.get("/sessions?computer=local").list.map { $0["computer"] as? String } == ["alpha"])
            #expect(try client.get("/sessions?computer=gamma").list.isEmpty)
            #expect(try client.get("/sessions?status=closed").list.isEmpty, "a peer's live sessions are not closed ones")

            let projects = try client.get("/projects").list.map { "\($0["computer"] as? String ?? "?"):\($0["path"] as? String ?? "?")" }
            #expect(projects == ["alpha:/srv/tether", "beta:/srv/beta", "gamma:/srv/gamma"])
            #expect(try client.get("/projects?computer=gamma").list.count == 1)
        }
    }

    @Test func aPeersSessionIsDrivenOnItsHost() async throws {
        let peers = gateway()
        let local = RecordingCommands(computer: "alpha")
        try await withInProcessAPI(commands: local, peers: peers) { client, _ in
            let id = Self.remoteID
            #expect(try client.send("POST", "/sessions/\(id)/message", json: ["message": "make test"]).status == 200)
            #expect(try client.send("POST", "/sessions/\(id)/keys", json: ["keys": ["escape", "enter"], "count": 2]).status == 200)
            let transcript = try client.get("/sessions/\(id)/transcript?tail_chars=50")
            #expect(transcript.status == 200 && transcript.object["transcript"] as? String == "screen of \(id)", "\(transcript.text)")
            let summary = try client.get("/sessions/\(id)")
            #expect(summary.status == 200 && summary.object["computer"] as? String == "beta", "\(summary.text)")
            let ended = try client.request("DELETE", "/sessions/\(id)")
            #expect(ended.status == 200, "\(ended.text)")
            #expect((ended.object["session"] as? [String: Any])?["status"] as? String == "closed")
            #expect(peers.calls.filter { !$0.hasPrefix("sessions") } == [
                "message beta \(id) make test", "keys beta \(id) escape 2", "keys beta \(id) enter 2",
                "output beta \(id) 50", "end beta \(id)",
            ])
            #expect(local.messages.isEmpty && local.keys.isEmpty && local.ended.isEmpty, "nothing ran on this computer")
            // Ended on its host: unknown everywhere now.
            #expect(try client.send("POST", "/sessions/\(id)/message", json: ["message": "again"]).status == 404)
            // A local session stays local, also when named with this computer.
            #expect(try client.send("POST", "/sessions/s1/message?computer=alpha", json: ["message": "hi"]).status == 200)
            #expect(local.messages.map(\.text) == ["hi"])
        }
    }

    @Test func aSessionNoCacheKnowsIsFoundByAskingThePeers() async throws {
        let peers = gateway()
        peers.add("cold0001-0000-0000-0000-000000000000", on: "gamma", cached: false)
        try await withInProcessAPI(commands: RecordingCommands(computer: "alpha"), peers: peers) { client, _ in
            let sent = try client.send("POST", "/sessions/cold0001-0000-0000-0000-000000000000/message", json: ["message": "wake"])
            #expect(sent.status == 200, "\(sent.text)")
            #expect(peers.calls.contains("message gamma cold0001-0000-0000-0000-000000000000 wake"))
            // The computer named in the query goes straight there.
            let named = try client.send("POST", "/sessions/\(Self.remoteID)/keys?computer=beta", json: ["keys": ["tab"]])
            #expect(named.status == 200 && peers.calls.last == "keys beta \(Self.remoteID) tab 1")
        }
    }

    @Test func creatingOnAPeerAndItsErrors() async throws {
        let peers = gateway()
        try await withInProcessAPI(commands: RecordingCommands(computer: "alpha"), peers: peers) { client, _ in
            let created = try client.send("POST", "/sessions", json: ["computer": "gamma", "project_dir": "/srv/gamma", "shell": true,
                                                                      "command": "make", "agent": "an-agent-only-gamma-has"])
            #expect(created.status == 200, "\(created.text)")
            let id = try #require(created.object["session_id"] as? String)
            #expect((created.object["data"] as? [String: Any])?["session_id"] as? String == id)
            #expect(created.object["tmux_session_name"] as? String == "tc_" + id.prefix(8))
            let session = created.object["session"] as? [String: Any]
            #expect(session?["computer"] as? String == "gamma" && session?["session_id"] as? String == id, "\(created.text)")
            #expect(peers.calls.contains("new gamma /srv/gamma make"))

            let unknown = try client.send("POST", "/sessions", json: ["computer": "delta", "project_dir": "/srv"])
            #expect(unknown.status == 404)
            #expect((unknown.object["message"] as? String)?.contains("online: beta, gamma") == true, "\(unknown.text)")
            #expect(try client.send("POST", "/sessions", json: ["computer": "alpha", "project_dir": "/srv", "agent": "nope"]).status == 422,
                    "this computer's agents are checked here")

            peers.state.withLock { _ = $0.silent.insert("beta") }
            let silent = try client.send("POST", "/sessions/\(Self.remoteID)/message", json: ["message": "anyone?"])
            #expect(silent.status == 503 && (silent.object["message"] as? String)?.contains("did not answer") == true, "\(silent.text)")
            #expect(try client.send("POST", "/sessions", json: ["computer": "beta", "project_dir": "/srv"]).status == 503)
        }
    }

    @Test func withoutRedisAnotherComputerIs503() async throws {
        try await withInProcessAPI(commands: RecordingCommands(computer: "alpha"), peers: nil) { client, _ in
            let created = try client.send("POST", "/sessions", json: ["computer": "beta", "project_dir": "/srv"])
            #expect(created.status == 503 && (created.object["message"] as? String)?.contains("redis.enabled") == true, "\(created.text)")
            #expect(try client.send("POST", "/sessions/s1/message?computer=beta", json: ["message": "x"]).status == 503)
            #expect(try client.get("/sessions/0badc0de").status == 404, "an unknown session stays 404")
            #expect(try client.get("/computers").list.count == 1)
        }
    }
}
