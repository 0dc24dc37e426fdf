import Foundation
import TetherClient
import TetherCore
import TetherRedis
import Testing

/// Session events between a real daemon and a Python-style peer on a real redis-server
/// (PROTOCOL.md §4): the peer's events reach the daemon's WebSocket clients, the daemon's own
/// sessions reach interested peers only, and nothing received is pushed back out.
@Suite(.serialized, .timeLimit(.minutes(3))) struct SessionEventDaemonTests {
    /// Reads messages until one with `event` whose `data` matches; nil after `timeout`.
    func next(_ socket: TetherWebSocket, _ event: String, timeout: Duration = .seconds(15),
              where matches: ([String: Any]) -> Bool) throws -> [String: Any]? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            guard let message = try socket.receiveJSON(timeout: ContinuousClock.now.duration(to: deadline)) else { break }
            if message["event"] as? String == event, let data = message["data"] as? [String: Any], matches(data) { return data }
        }
        Issue.record("no \(event) within \(timeout)")
        return nil
    }

    /// Every event in `session_events:{computer}`, parsed.
    func events(for computer: String, on link: RedisLink) async throws -> [PeerSessionEvent] {
        let reply = try await link.send(["XRANGE", RedisKeys.sessionEvents(computer), "-", "+"])
        return try StreamEntry.entries(ofRange: reply).map { entry in
            try PeerSessionEvent(payload: try #require(entry.fields.values[PeerSessionEvent.field]))
        }
    }

    func updatedIDs(_ events: [PeerSessionEvent], source: String) -> [String] {
        events.compactMap { event in
            if case .updated(let summary, source, _) = event, summary.computer == source { summary.sessionID } else { nil }
        }
    }

    @Test func eventsFlowBothWaysAndNothingReceivedIsPushedBack() async throws {
        let server = try await RedisServer()
        defer { server.remove() }
        let peer = try PythonPeer(server)
        // Heartbeats first, so the daemon's start-up sweep finds both Python peers.
        _ = try await peer.link.send(["SETEX", RedisKeys.heartbeat("pyhost"), "60", PythonEvents.heartbeat("pyhost", interest: ["sessions"])])
        _ = try await peer.link.send(["SETEX", RedisKeys.heartbeat("quiet"), "60", PythonEvents.heartbeat("quiet", interest: ["preparation"])])
        let daemon = try await APIDaemon(configuration: "redis: {enabled: true, url: \"\(server.url())\"}")
        defer { daemon.remove() }

        let socket = try TetherWebSocket(socketPath: daemon.socket)
        defer { socket.close() }
        try socket.send(json: ["subscribe": "sessions"])
        #expect(try next(socket, "sessions_initial") { _ in true } != nil)
        #expect(await eventually { daemon.process.log.contains(SessionEventReaderTests.started) }, "\(daemon.process.log)")

        // The peer's session, exactly as PROTOCOL.md §4 shows it, reaches the client.
        try await PythonEvents.push(PythonEvents.updated("3f2c1a9b-remote"), to: daemon.computer, on: peer.link)
        let updated = try #require(try next(socket, "session_updated") { $0["session_id"] as? String == "3f2c1a9b-remote" })
        #expect(updated["computer"] as? String == "pyhost" && updated["title"] as? String == "…")

        // The daemon's own session goes to the interested peer only, never to itself.
        let local = try daemon.newSession()
        #expect(await eventually { (try? await updatedIDs(events(for: "pyhost", on: peer.link), source: daemon.computer).contains(local)) ?? false },
                "\(daemon.process.log)")
        let pushed = try await events(for: "pyhost", on: peer.link)
        #expect(!pushed.contains { if case .updated(let summary, _, _) = $0 { summary.sessionID == "3f2c1a9b-remote" } else { false } },
                "what was received is never pushed back")
        #expect(try await peer.link.send(["XLEN", RedisKeys.sessionEvents("quiet")]) == .integer(0), "not interested: nothing pushed")
        #expect(try await events(for: daemon.computer, on: peer.link).allSatisfy {
            if case .updated(_, let source, _) = $0 { source == "pyhost" } else { true }
        }, "the daemon never pushes to itself")

        // The peer's removal reaches the client as a local one does.
        try await PythonEvents.push(PythonEvents.removed("3f2c1a9b-remote"), to: daemon.computer, on: peer.link)
        let removed = try #require(try next(socket, "session_removed") { $0["session_id"] as? String == "3f2c1a9b-remote" })
        #expect(removed["computer"] as? String == "pyhost")

        // Closing the local session: a session_removed for the interested peer.
        #expect(try daemon.client.request("DELETE", "/sessions/\(local)").status == 200)
        let computer = daemon.computer
        let removal = await eventually {
            ((try? await events(for: "pyhost", on: peer.link)) ?? []).contains { event in
                if case .removed(local, computer, _) = event { true } else { false }
            }
        }
        #expect(removal, "\(daemon.process.log)")

        // The reader sits in a 5 s BLOCK begun just now: the stop cuts it at once. (The client goes
        // first: a WebSocket client still connected holds up the API's own stop.)
        socket.close()
        let asked = ContinuousClock.now
        #expect(await daemon.stop() == 0, "\(daemon.process.log)")
        #expect(ContinuousClock.now - asked < .seconds(3), "\(daemon.process.log)")
        #expect(DrainTests.stopOrder(daemon.process.log) == ["api", "redis", "sessions", "store", "pool-monitor"], "\(daemon.process.log)")
    }
}
