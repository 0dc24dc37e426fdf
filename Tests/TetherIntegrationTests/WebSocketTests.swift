import Foundation
import Testing
import TetherClient
#if canImport(Glibc)
import Glibc
#endif

/// `/ws` on a real daemon: snapshots, events, screen updates, and clients that misbehave.
@Suite(.serialized, .timeLimit(.minutes(5))) struct WebSocketTests {
    /// Reads messages until one with `event` (and matching `where`) arrives; nil after `timeout`.
    func next(_ socket: TetherWebSocket, _ event: String, timeout: Duration = .seconds(10),
              where matches: ([String: Any]) -> Bool = { _ in true }) throws -> [String: Any]? {
        let deadline = ContinuousClock.now + timeout
        var skipped: [String] = []
        while ContinuousClock.now < deadline {
            guard let message = try socket.receiveJSON(timeout: ContinuousClock.now.duration(to: deadline)) else { break }
            if message["event"] as? String == event, let data = message["data"] as? [String: Any], matches(data) { return data }
            skipped.append("\(message["event"] ?? "?")")
        }
        Issue.record("no \(event) within \(timeout); skipped: \(skipped.joined(separator: ", ")), closed: \(socket.isClosed)")
        return nil
    }

    @Test func snapshotsEventsAndScreenUpdatesReachASubscriber() async throws {
        let daemon = try await APIDaemon()
        defer { daemon.remove() }
        let first = try daemon.newSession()
        let socket = try TetherWebSocket(socketPath: daemon.socket)
        defer { socket.close() }
        try socket.send(json: ["subscribe": "sessions"])
        let initial = try #require(try next(socket, "sessions_initial"))
        #expect((initial["sessions"] as? [[String: Any]])?.map { $0["session_id"] as? String } == [first], "local sessions are in the snapshot")
        try socket.send(json: ["subscribe": "preparation"])
        let preparation = try #require(try next(socket, "preparation_initial"))
        #expect((preparation["projects"] as? [[String: Any]])?.first?["path"] as? String == daemon.project)

        let second = try daemon.newSession()
        #expect(try next(socket, "session_created") { $0["session_id"] as? String == second } != nil)
        #expect(try next(socket, "session_updated") { $0["session_id"] as? String == second } != nil)

        try socket.send(json: ["subscribe": ["session": second]])
        #expect(try next(socket, "session_output") { $0["session_id"] as? String == second } != nil, "the current screen at once")
        #expect(try daemon.client.send("POST", "/sessions/\(second)/message", json: ["message": "echo pushed-$((3*3))"]).status == 200)
        #expect(try next(socket, "session_output") { ($0["screen"] as? String)?.contains("pushed-9") == true } != nil)

        try socket.send(json: ["refresh": true])
        #expect(try next(socket, "sessions_initial") { ($0["sessions"] as? [Any])?.count == 2 } != nil, "refresh resends, empties nothing")
        #expect(try daemon.client.request("DELETE", "/sessions/\(second)").status == 200)
        #expect(try next(socket, "session_removed") { $0["session_id"] as? String == second } != nil)

        try socket.send(json: ["subscribe": ["computer": "local", "types": ["sessions", "projects"]]])
        let local = try #require(try next(socket, "sessions_initial"))
        #expect(local["computer"] as? String == daemon.computer)
        #expect(try next(socket, "projects_initial") != nil)
    }

    @Test func theClientsTopicsBecomeTheDaemonsInterestOnEverySubscribeUnsubscribeAndDisconnect() async throws {
        let daemon = try await APIDaemon()
        defer { daemon.remove() }
        func interest() -> [String]? { (try? daemon.client.get("/status").object["interested_in"]) as? [String] }
        #expect(interest() == [])
        let first = try TetherWebSocket(socketPath: daemon.socket)
        defer { first.close() }
        let second = try TetherWebSocket(socketPath: daemon.socket)
        defer { second.close() }
        try first.send(json: ["subscribe": "sessions"])
        _ = try next(first, "sessions_initial")
        try second.send(json: ["subscribe": ["computer": "local", "types": ["sessions", "projects"]]])
        _ = try next(second, "projects_initial")
        #expect(interest() == ["projects", "sessions"])
        try second.send(json: ["unsubscribe": ["computer": "local"]])
        #expect(await eventually { interest() == ["sessions"] }, "an unsubscribe is seen")
        try second.send(json: ["subscribe": "preparation"])
        _ = try next(second, "preparation_initial")
        first.close()
        #expect(await eventually { interest() == ["preparation"] }, "a non-last client leaving is seen")
        second.close()
        #expect(await eventually { interest() == [] }, "the last client leaving clears it")
    }

    @Test func invalidJSONGetsAnErrorAndEndsTheConnection() async throws {
        let daemon = try await APIDaemon()
        defer { daemon.remove() }
        let socket = try TetherWebSocket(socketPath: daemon.socket)
        defer { socket.close() }
        try socket.send(text: "{this is not json")
        let error = try #require(try next(socket, "error"))
        #expect((error["message"] as? String)?.contains("invalid JSON") == true)
        #expect(try socket.receive(timeout: .seconds(5)) == nil && socket.isClosed)
        #expect(try daemon.client.get("/health").status == 200)
    }

    @Test func aDeadClientIsRemovedAndASlowOneDroppedWhileAFastOneKeepsReceiving() async throws {
        let daemon = try await APIDaemon(websocketQueue: 16)
        defer { daemon.remove() }
        func metric(_ name: String) -> Int {
            let text = (try? daemon.client.get("/metrics").text) ?? ""
            let line = text.split(separator: "\n").first { $0.hasPrefix(name + " ") }
            return line.flatMap { Double($0.split(separator: " ").last ?? "") }.map { Int($0) } ?? -1
        }
        // A client that goes away without a close frame.
        let dead = try TetherWebSocket(socketPath: daemon.socket)
        try dead.send(json: ["subscribe": "sessions"])
        _ = try next(dead, "sessions_initial")
        #expect(metric("tether_websocket_clients") == 1)
        dead.close()
        #expect(await eventually { metric("tether_websocket_clients") == 0 })

        // Sessions that print as fast as they can; a slow client that never reads, a fast one that does.
        var sessions: [String] = []
        for _ in 0..<4 { sessions.append(try daemon.newSession(command: "while :; do date +%s%N; done")) }
        let slow = try TetherWebSocket(socketPath: daemon.socket)
        defer { slow.close() }
        let fast = try TetherWebSocket(socketPath: daemon.socket)
        defer { fast.close() }
        for id in sessions {
            try slow.send(json: ["subscribe": ["session": id]])
            try fast.send(json: ["subscribe": ["session": id]])
        }
        var received = 0
        let deadline = ContinuousClock.now + .seconds(60)
        while metric("tether_websocket_clients_dropped_total") < 1, ContinuousClock.now < deadline {
            while try fast.receive(timeout: .milliseconds(50)) != nil { received += 1 }
        }
        #expect(metric("tether_websocket_clients_dropped_total") == 1, "the slow client was dropped")
        var afterDrop = 0
        let later = ContinuousClock.now + .seconds(2)
        while ContinuousClock.now < later {
            if try fast.receive(timeout: .milliseconds(200)) != nil { afterDrop += 1 }
        }
        #expect(received > 16 && afterDrop > 0, "the fast client kept receiving (\(received) before, \(afterDrop) after)")
        #expect(!fast.isClosed)
        #expect(daemon.process.log.contains("websocket client dropped"))
        for id in sessions { _ = try? daemon.client.request("DELETE", "/sessions/\(id)") }
    }
}
