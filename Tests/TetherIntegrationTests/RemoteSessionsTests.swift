import Foundation
import TetherRedis
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Two and three real daemons with their own computer names, tmux servers, stores and API sockets
/// on one real `redis-server`: each sees the others and drives their sessions through its own API
/// and the `tether` CLI, with no WebSocket client anywhere (issue 10, item 8).
@Suite(.serialized, .timeLimit(.minutes(4))) struct RemoteSessionsTests {
    var tether: String { Binaries.directory.appendingPathComponent("tether").path }

    /// A peer shows up at the latest at the others' next discovery round (one heartbeat interval),
    /// plus the start of its own first heartbeat.
    static let discoveryWait: Duration = RedisKeys.heartbeatInterval + .seconds(10)
    /// A request to a peer answers within its command deadline (PROTOCOL.md §2: at most 5 s); the
    /// text then shows on the host's screen within a few poll intervals.
    static let remoteWait: Duration = .seconds(15)

    func daemon(_ name: String, on server: RedisServer) async throws -> APIDaemon {
        try await APIDaemon(computer: name, configuration: "redis: {enabled: true, url: \"\(server.url())\"}")
    }

    /// The names `GET /computers` lists on `daemon`, this computer first.
    func computers(on daemon: APIDaemon) -> [String] {
        ((try? daemon.client.get("/computers").list) ?? []).compactMap { $0["name"] as? String }
    }

    func sees(_ daemon: APIDaemon, _ others: [APIDaemon]) async -> Bool {
        await eventually(timeout: Self.discoveryWait) { Set(others.map(\.computer)).isSubset(of: Set(computers(on: daemon))) }
    }

    @Test func oneComputerDrivesAnothersSessionThroughTheCLI() async throws {
        let server = try await RedisServer()
        defer { server.remove() }
        let alpha = try await daemon("alpha", on: server)
        defer { alpha.remove() }
        let beta = try await daemon("beta", on: server)
        defer { beta.remove() }

        #expect(await sees(alpha, [beta]), "\(alpha.process.log)")
        // Its stats come with its first get_computer_info answer, asked when it is first seen.
        let stats = await eventually(timeout: Self.remoteWait) {
            ((try? alpha.client.get("/computers").list) ?? []).contains { $0["name"] as? String == "beta" && $0["system_stats"] != nil }
        }
        #expect(stats, "\((try? alpha.client.get("/computers").text) ?? "")")
        let listed = try alpha.client.get("/computers").list
        #expect(listed.first?["name"] as? String == "alpha" && listed.first?["is_local"] as? Bool == true)
        #expect(listed.first?["system_stats"] is [String: Any], "the local computer carries its stats: \(listed)")
        let peer = try #require(listed.first { $0["name"] as? String == "beta" })
        #expect(peer["is_local"] as? Bool == false && peer["status"] as? String == "online")
        #expect((peer["system_stats"] as? [String: Any])?["memory"] != nil, "the peer's stats: \(peer)")
        let table = try await shell("\(tether) computers --socket \(alpha.socket)")
        #expect(table.status == 0 && table.output.contains("beta") && table.output.contains("MEMORY"), "\(table.output)")

        let socket = "--socket \(alpha.socket)"
        let created = try await shell("\(tether) new \(socket) --computer beta --project \(beta.project) --title 'from alpha'")
        #expect(created.status == 0, "\(created.output)\n\(alpha.process.log)")
        let id = created.output.trimmingCharacters(in: .whitespacesAndNewlines)
        try #require(id.count == 36, "\(created.output)")
        let prefix = String(id.prefix(6))
        #expect(try beta.client.get("/sessions/\(id)").object["computer"] as? String == "beta", "created on beta, not alpha")
        #expect(try alpha.client.get("/sessions?computer=alpha").list.isEmpty)

        let sent = try await shell("\(tether) send \(socket) \(prefix) 'echo sent-from-$((6*7))'")
        #expect(sent.status == 0, "\(sent.output)")
        #expect(await eventually(timeout: Self.remoteWait) { beta.transcript(id).contains("sent-from-42") }, "\(beta.transcript(id))")

        // `cat -v` shows the escape the keys command presses as `^[` on beta's screen.
        #expect(try await shell("\(tether) send \(socket) \(prefix) 'cat -v'").status == 0)
        let keys = try await shell("\(tether) keys \(socket) \(prefix) escape enter")
        #expect(keys.status == 0, "\(keys.output)")
        #expect(await eventually(timeout: Self.remoteWait) { beta.transcript(id).contains("^[") }, "\(beta.transcript(id))")

        let tail = try await shell("\(tether) tail \(socket) \(prefix)")
        #expect(tail.status == 0 && tail.output.contains("sent-from-42"), "the transcript from alpha: \(tail.output)")
        let ls = try await shell("\(tether) ls \(socket)")
        let row = ls.output.split(separator: "\n").first { $0.hasPrefix(String(id.prefix(8))) } ?? ""
        #expect(row.contains("beta") && row.contains("from alpha"), "\(ls.output)")
        let only = try await shell("\(tether) ls \(socket) --computer alpha")
        #expect(!only.output.contains(String(id.prefix(8))), "--computer alpha leaves beta's out: \(only.output)")

        let closed = try await shell("\(tether) close \(socket) \(prefix)")
        #expect(closed.status == 0, "\(closed.output)")
        let ended = await eventually(timeout: Self.remoteWait) {
            (try? beta.client.get("/sessions/\(id)").object["status"] as? String) == "closed"
        }
        #expect(ended, "\(beta.process.log)")
        #expect(try alpha.client.send("POST", "/sessions", json: ["computer": "gamma", "project_dir": beta.project]).status == 404,
                "a computer that is not online")
    }

    @Test func threeComputersSeeEachOtherAndLeave() async throws {
        let server = try await RedisServer()
        defer { server.remove() }
        let alpha = try await daemon("alpha", on: server)
        defer { alpha.remove() }
        let beta = try await daemon("beta", on: server)
        defer { beta.remove() }
        let gamma = try await daemon("gamma", on: server)
        defer { gamma.remove() }
        for (one, others) in [(alpha, [beta, gamma]), (beta, [alpha, gamma]), (gamma, [alpha, beta])] {
            #expect(await sees(one, others), "\(one.computer) sees \(computers(on: one))")
        }

        // Created on gamma by alpha, listed by beta: beta asks its peers, with no client watching.
        let created = try alpha.client.send("POST", "/sessions", json: ["computer": "gamma", "project_dir": gamma.project, "shell": true])
        #expect(created.status == 200, "\(created.text)")
        let id = try #require(created.object["session_id"] as? String)
        #expect((created.object["session"] as? [String: Any])?["computer"] as? String == "gamma", "\(created.text)")
        let listedOnBeta = await eventually(timeout: Self.remoteWait) {
            ((try? beta.client.get("/sessions").list) ?? []).contains { $0["session_id"] as? String == id && $0["computer"] as? String == "gamma" }
        }
        #expect(listedOnBeta, "\((try? beta.client.get("/sessions").text) ?? "")")
        #expect(try beta.client.get("/sessions?computer=gamma").list.contains { $0["session_id"] as? String == id })
        // A peer slow to answer (a loaded machine) is left out of one listing, not waited for.
        let projects = await eventually(timeout: Self.remoteWait) {
            ((try? beta.client.get("/projects").list) ?? []).contains { $0["computer"] as? String == "gamma" && $0["path"] as? String == gamma.project }
        }
        #expect(projects, "\((try? beta.client.get("/projects").text) ?? "")\n\(beta.process.log)")

        // A graceful stop deletes gamma's heartbeat: the others drop it at once, not after its TTL.
        #expect(await gamma.stop() == 0, "\(gamma.process.log)")
        for one in [alpha, beta] {
            // At once: the listing checks the heartbeat keys itself (at most a second old).
            #expect(await eventually { !computers(on: one).contains("gamma") }, "well before the 60 s TTL: \(computers(on: one))")
        }

        // kill -9: beta's key stays until its TTL (at most 60 s, PROTOCOL.md §1); its expiry is
        // simulated rather than waited for, and alpha drops beta once the key is gone.
        let link = try PythonPeer(server).link
        let ttl = try await link.send(["TTL", RedisKeys.heartbeat("beta")])
        guard case .integer(let seconds) = ttl else { Issue.record("TTL of beta's heartbeat: \(ttl)"); return }
        #expect(seconds > 0 && seconds <= 60, "beta's heartbeat expires within the protocol's TTL: \(seconds)")
        beta.process.signal(SIGKILL)
        _ = await beta.process.waitForExit()
        #expect(computers(on: alpha).contains("beta"), "killed, beta's heartbeat is still live")
        _ = try await link.send(["PEXPIRE", RedisKeys.heartbeat("beta"), "1"])
        #expect(await eventually { !computers(on: alpha).contains("beta") }, "\(computers(on: alpha))")
    }
}
