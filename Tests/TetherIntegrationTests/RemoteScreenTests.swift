import Foundation
import TetherClient
import TetherCore
import TetherRedis
import Testing

/// Live screens between computers (issue 10 item 7) on real daemons and a real `redis-server`:
/// the host writes `tether:screen:{id}` only while watched, never `output:{id}`.
@Suite(.serialized, .timeLimit(.minutes(4))) struct RemoteScreenTests {
    func daemon(on server: RedisServer, computer: String) async throws -> APIDaemon {
        try await APIDaemon(computer: computer, configuration: "redis: {enabled: true, url: \"\(server.url())\"}")
    }

    /// The newest entry of a screen stream: its id and fields, or nil when the stream is empty.
    func newest(_ peer: PythonPeer, _ session: String) async -> (id: String, screen: String, status: String)? {
        guard let reply = try? await peer.link.send(["XREVRANGE", ScreenStream.key(session), "+", "-", "COUNT", "1"]),
              let entry = StreamEntry.entries(ofRange: reply).first else { return nil }
        let text = entry.fields.values.mapValues { String(decoding: $0, as: UTF8.self) }
        return (entry.id, text["screen"] ?? "", text["status"] ?? "")
    }

    /// Types `echo tick-N` (N = 1, 2, …) and, once tick N reached the host's own WebSocket client
    /// (its bus carried it), checks whether tick N-2's screen ever went to the stream: a watched
    /// session's write lands long before two more ticks pass the bus. Stopped: two ticks in a row
    /// never written. `grew`: the ticks written before that. Stopped is false after `timeout`.
    func streamStopsGrowing(_ daemon: APIDaemon, _ peer: PythonPeer, _ session: String,
                            timeout: Duration = .seconds(30)) async throws -> (stopped: Bool, grew: Int) {
        let socket = try TetherWebSocket(socketPath: daemon.socket)
        defer { socket.close() }
        try socket.send(json: ["subscribe": ["session": session]])
        let tag = UUID().uuidString.prefix(6)
        func marker(_ tick: Int) -> String { "t\(tag)-\(tick)-\(tick * 7)" }
        let deadline = ContinuousClock.now + timeout
        var (tick, quiet, grew) = (0, 0, 0)
        while ContinuousClock.now < deadline {
            tick += 1
            let typed = try daemon.client.send("POST", "/sessions/\(session)/message", json: ["message": "echo t\(tag)-\(tick)-$((\(tick)*7))"])
            #expect(typed.status == 200)
            #expect(try screen(on: socket, containing: marker(tick)), "the host's bus carries every tick")
            guard tick > 2 else { continue }
            let entries = StreamEntry.entries(ofRange: try await peer.link.send(["XRANGE", ScreenStream.key(session), "-", "+"]))
            let written = entries.contains { String(decoding: $0.fields.values["screen"] ?? [], as: UTF8.self).contains(marker(tick - 2)) }
            if written {
                quiet = 0
                grew += 1
            } else {
                quiet += 1
            }
            if quiet == 2 { return (true, grew) }
        }
        return (false, grew)
    }

    /// Reads `session_output` messages until one holds `text`; false after ten seconds.
    func screen(on socket: TetherWebSocket, containing text: String) throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            guard let message = try socket.receiveJSON(timeout: ContinuousClock.now.duration(to: deadline)) else { return false }
            if message["event"] as? String == "session_output", ((message["data"] as? [String: Any])?["screen"] as? String)?.contains(text) == true {
                return true
            }
        }
        return false
    }

    @Test func aWatchedSessionsScreensGoToTethersOwnStreamUntilTheLeaseRunsOut() async throws {
        let server = try await RedisServer()
        defer { server.remove() }
        let host = try await daemon(on: server, computer: "alpha")
        defer { host.remove() }
        let peer = try PythonPeer(server)
        #expect(await eventually { (try? await peer.link.send(["EXISTS", RedisKeys.heartbeat("alpha")])) == .integer(1) }, "\(host.process.log)")
        #expect(await host.readsRequests(), "\(host.process.log)")
        let session = try host.newSession()
        #expect(await newest(peer, session) == nil, "nothing is written while nobody watches")

        let ask = try await peer.send("/watch_screen 8", to: "alpha", [("session_id", session)])
        let reply = try #require(try await peer.reply(ask))
        #expect(reply["status"] as? String == "success", "\(reply)")
        let data = reply["data"] as? [String: Any]
        #expect(data?["stream"] as? String == ScreenStream.key(session))
        #expect(data?["lease_seconds"] as? Int == 8)
        #expect(await eventually { await newest(peer, session)?.status == "active" }, "the current screen at once")

        #expect(try host.client.send("POST", "/sessions/\(session)/message", json: ["message": "echo watched-$((6*7))"]).status == 200)
        #expect(await eventually { await newest(peer, session)?.screen.contains("watched-42") == true })
        let ttl = try await peer.link.send(["TTL", ScreenStream.key(session)]).integer ?? -1
        #expect(ttl > 0 && ttl <= ScreenStream.timeToLive.components.seconds, "every write sets the expiry")

        // Not renewed: after eight seconds (room for a loaded machine to write a few ticks first) the host stops writing.
        let expiry = try await streamStopsGrowing(host, peer, session)
        #expect(expiry.stopped && expiry.grew > 0, "written while the lease held (\(expiry.grew) ticks), then no more")
        #expect(try await peer.link.send(["EXISTS", "output:\(session)"]) == .integer(0), "never the dormant output:{session_id}")

        // A new watch gets the current screen again; a release (lease 0) stops the writes at once.
        let previous = await newest(peer, session)?.id
        let again = try await peer.send("/watch_screen", to: "alpha", [("session_id", session)])
        #expect((try await peer.reply(again)?["data"] as? [String: Any])?["lease_seconds"] as? Int == Int(ScreenStream.defaultLease.components.seconds))
        #expect(await eventually { await newest(peer, session)?.id != previous })
        let release = try await peer.send("/watch_screen 0", to: "alpha", [("session_id", session)])
        #expect(try await peer.reply(release)?["status"] as? String == "success")
        #expect(try await streamStopsGrowing(host, peer, session) == (true, 0), "nothing written after the release")

        // Watched when it ends: the end entry says how.
        let last = try await peer.send("/watch_screen", to: "alpha", [("session_id", session)])
        #expect(try await peer.reply(last)?["status"] as? String == "success")
        #expect(try host.client.request("DELETE", "/sessions/\(session)").status == 200)
        #expect(await eventually { await newest(peer, session)?.status == "closed" })
        let unknown = try await peer.send("/watch_screen", to: "alpha", [("session_id", session)])
        #expect(try await peer.reply(unknown)?["status"] as? String == "error", "an ended session cannot be watched")
        #expect(try await peer.link.send(["EXISTS", "output:\(session)"]) == .integer(0))
    }

    /// Reads messages until `event` for `session` arrives (and `matches`); its data, or nil after `timeout`.
    func next(_ socket: TetherWebSocket, _ event: String, _ session: String, timeout: Duration = .seconds(20),
              where matches: ([String: Any]) -> Bool = { _ in true }) throws -> [String: Any]? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            guard let message = try socket.receiveJSON(timeout: ContinuousClock.now.duration(to: deadline)) else { break }
            if message["event"] as? String == event, let data = message["data"] as? [String: Any], data["session_id"] as? String == session,
               matches(data) {
                return data
            }
        }
        return nil
    }

    func contains(_ text: String) -> ([String: Any]) -> Bool { { ($0["screen"] as? String)?.contains(text) == true } }

    @Test func aClientOfAnotherComputerFollowsASessionLiveAndSharesOneWatch() async throws {
        let server = try await RedisServer()
        defer { server.remove() }
        let peer = try PythonPeer(server)
        let alpha = try await daemon(on: server, computer: "alpha")
        defer { alpha.remove() }
        #expect(await eventually { (try? await peer.link.send(["EXISTS", RedisKeys.heartbeat("alpha")])) == .integer(1) }, "\(alpha.process.log)")
        #expect(await alpha.readsRequests(), "\(alpha.process.log)")
        let beta = try await daemon(on: server, computer: "beta")
        defer { beta.remove() }
        let session = try alpha.newSession()

        let first = try TetherWebSocket(socketPath: beta.socket)
        defer { first.close() }
        try first.send(json: ["subscribe": ["session": session]])
        #expect(try next(first, "session_output", session) != nil, "the current screen at once: \(beta.process.log)")
        #expect(try alpha.client.send("POST", "/sessions/\(session)/message", json: ["message": "echo remote-$((6*7))"]).status == 200)
        #expect(try next(first, "session_output", session, where: contains("remote-42")) != nil, "typed on alpha, seen on beta")

        // A second client of beta shares the watch: the last screen at once, and alpha grants one lease only.
        let second = try TetherWebSocket(socketPath: beta.socket)
        defer { second.close() }
        try second.send(json: ["subscribe": ["session": session]])
        #expect(try next(second, "session_output", session, where: contains("remote-42")) != nil)
        first.close()
        #expect(try alpha.client.send("POST", "/sessions/\(session)/message", json: ["message": "echo shared-$((7*7))"]).status == 200)
        #expect(try next(second, "session_output", session, where: contains("shared-49")) != nil, "the watch outlives one client")
        #expect(alpha.process.log.components(separatedBy: "a peer watches a session's screen").count == 2, "one lease: \(alpha.process.log)")
        #expect(try await peer.link.send(["EXISTS", "output:\(session)"]) == .integer(0), "never the dormant output:{session_id}")

        // The last client unsubscribes, or later disconnects: beta gives the lease back and alpha stops writing.
        try second.send(json: ["unsubscribe": ["session": session]])
        #expect(try await streamStopsGrowing(alpha, peer, session).stopped)
        try second.send(json: ["subscribe": ["session": session]])
        #expect(try next(second, "session_output", session) != nil, "a new watch")
        second.close()
        #expect(try await streamStopsGrowing(alpha, peer, session).stopped)

        // The session ends on alpha: a follower on beta hears it.
        let third = try TetherWebSocket(socketPath: beta.socket)
        defer { third.close() }
        try third.send(json: ["subscribe": ["session": session]])
        #expect(try next(third, "session_output", session) != nil)
        #expect(try alpha.client.request("DELETE", "/sessions/\(session)").status == 200)
        #expect(try next(third, "session_removed", session)?["status"] as? String == "closed")
        #expect(try await peer.link.send(["EXISTS", "output:\(session)"]) == .integer(0))
    }

    @Test func aRemoteTailFollowsTheScreenUntilTheSessionEnds() async throws {
        let server = try await RedisServer()
        defer { server.remove() }
        let peer = try PythonPeer(server)
        let alpha = try await daemon(on: server, computer: "alpha")
        defer { alpha.remove() }
        #expect(await eventually { (try? await peer.link.send(["EXISTS", RedisKeys.heartbeat("alpha")])) == .integer(1) })
        #expect(await alpha.readsRequests(), "\(alpha.process.log)")
        let beta = try await daemon(on: server, computer: "beta")
        defer { beta.remove() }
        let session = try alpha.newSession()
        let tether = Binaries.directory.appendingPathComponent("tether").path
        // `tether tail -f` on beta, for a session of alpha.
        let follow = try ChildProcess(tether, ["tail", "-f", "--socket", beta.socket, session], environment: daemonEnvironment(),
                                      logPath: beta.dir.file("follow.log"))
        #expect(await eventually { follow.log.contains("--- \(session.prefix(8)) ---") }, "\(follow.log)")
        #expect(try alpha.client.send("POST", "/sessions/\(session)/message", json: ["message": "echo tailed-$((8*8))"]).status == 200)
        #expect(await eventually { follow.log.contains("tailed-64") }, "\(follow.log)")
        #expect(try alpha.client.request("DELETE", "/sessions/\(session)").status == 200)
        #expect(await follow.waitForExit() == 0, "tail -f ends with the remote session: \(follow.log)")
        #expect(follow.log.contains("closed"))
    }

    @Test func aPythonHostsSessionIsPolledWithGetSessionData() async throws {
        let server = try await RedisServer()
        defer { server.remove() }
        let host = try PythonHost(server)
        host.text.withLock { $0 = "py-screen-one" }
        try await host.serving {
            let beta = try await daemon(on: server, computer: "beta")
            defer { beta.remove() }
            let socket = try TetherWebSocket(socketPath: beta.socket)
            defer { socket.close() }
            try socket.send(json: ["subscribe": ["session": host.sessionID]])
            #expect(try next(socket, "session_output", host.sessionID, where: contains("py-screen-one")) != nil, "\(beta.process.log)")
            host.text.withLock { $0 = "py-screen-two" }
            #expect(try next(socket, "session_output", host.sessionID, where: contains("py-screen-two")) != nil)
            let asked = host.asked.withLock { $0 }
            #expect(asked.contains("watch_screen") && asked.filter { $0 == "get_session_data" }.count >= 2, "\(asked)")
            #expect(try await host.link.send(["EXISTS", "output:\(host.sessionID)"]) == .integer(0), "never written to")
            #expect(try await host.link.send(["EXISTS", ScreenStream.key(host.sessionID)]) == .integer(0))
        }
    }
}
