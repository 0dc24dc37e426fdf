import Foundation
import Testing
import TetherClient
#if canImport(Glibc)
import Glibc
#endif

/// The REST API of a real daemon on a temporary socket.
@Suite(.serialized, .timeLimit(.minutes(5))) struct APITests {
    @Test func everyEndpointAnswersInTheShapeItsClientsRead() async throws {
        let daemon = try await APIDaemon()
        defer { daemon.remove() }
        let client = daemon.client
        var info = stat()
        #expect(stat(daemon.socket, &info) == 0 && info.st_mode & 0o777 == 0o600, "the socket is owner-only")

        #expect(try client.get("/health").text == #"{"status":"ok"}"#)
        let status = try client.get("/status").object
        #expect(status["computer"] as? String == daemon.computer && status["version"] as? String == "0.1.0")
        #expect((status["components"] as? [[String: Any]])?.map { $0["name"] as? String } == ["api", "pool-monitor", "sessions", "store"])
        let metrics = try client.get("/metrics")
        #expect(metrics.headers["content-type"]?.hasPrefix("text/plain") == true)
        for name in ["tether_tasks_alive{name=\"poller\"}", "tether_tasks_spawned_total", "tether_cache_hits_total", "tether_subprocess_timeouts_total",
                     "tether_poll_batch_duration_seconds_bucket", "tether_sessions{status=\"active\"}", "tether_event_handler_timeouts_total",
                     "tether_redis_reconnects_total 0", "tether_resident_memory_bytes", "hb_requests{http_route=\"/health\""] {
            #expect(metrics.text.contains(name), "\(name) in /metrics")
        }

        let id = try daemon.newSession(command: "echo made-by-api")
        #expect(await eventually { daemon.transcript(id).contains("made-by-api") })
        let listed = try client.get("/sessions").list
        #expect(listed.map { $0["session_id"] as? String } == [id])
        #expect(listed.first?["computer"] as? String == daemon.computer && listed.first?["status"] as? String == "active")
        let keys = Set(listed.first?.keys.map { $0 } ?? [])
        #expect(keys.isSuperset(of: ["session_id", "origin_adapter", "title", "working_directory", "thinking_mode",
            "active_agent", "status", "created_at", "last_activity", "last_input", "last_output", "tmux_session_name", "initiator_session_id"]))
        #expect(try client.get("/sessions?status=active&computer=\(daemon.computer)").list.count == 1)
        #expect(try client.get("/sessions?status=idle").list.isEmpty)
        #expect(try client.get("/sessions/\(id)").object["session_id"] as? String == id)

        let sent = try client.send("POST", "/sessions/\(id)/message", json: ["message": "echo second-$((40+2))"])
        #expect(sent.status == 200 && (sent.object["result"] as? [String: Any])?["status"] as? String == "success")
        #expect(await eventually { daemon.transcript(id).contains("second-42") })
        #expect(try client.send("POST", "/sessions/\(id)/keys", json: ["keys": ["escape", "key_up"], "count": 2]).status == 200)
        let transcript = try client.get("/sessions/\(id)/transcript?tail_chars=20").object
        #expect(((transcript["data"] as? [String: Any])?["messages"] as? String)?.count ?? 99 <= 20)
        #expect((transcript["data"] as? [String: Any])?["project_dir"] as? String == daemon.project)

        let computers = try client.get("/computers").list
        #expect(computers.first?["name"] as? String == daemon.computer && computers.first?["status"] as? String == "online")
        #expect(computers.first?["is_local"] as? Bool == true)
        let projects = try client.get("/projects").list
        #expect(projects.first?["path"] as? String == daemon.project && projects.first?["computer"] as? String == daemon.computer)
        let withTodos = try client.get("/projects-with-todos").list
        let todos = withTodos.first?["todos"] as? [[String: Any]] ?? []
        #expect(todos.map { $0["slug"] as? String } == ["cache-unification", "later-thing"])
        #expect(todos.first?["status"] as? String == "in_progress" && todos.first?["description"] as? String == "One cache for all.")
        #expect(todos.first?["has_requirements"] as? Bool == true && todos.first?["has_impl_plan"] as? Bool == false)
        #expect(try client.get("/todos?project=\(daemon.project)").list.count == 2)
        #expect(try client.get("/todos?project=/etc").status == 404, "only trusted dirs are read")
        let agents = try client.get("/agents/availability").object
        #expect(Set(agents.keys) == ["claude", "codex", "gemini"])
        #expect((agents["claude"] as? [String: Any])?.keys.contains("unavailable_until") == true)

        let ended = try client.request("DELETE", "/sessions/\(id)?computer=\(daemon.computer)")
        #expect(ended.status == 200 && ended.object["status"] as? String == "success")
        #expect(try client.request("DELETE", "/sessions/\(id)").status == 200, "ending twice is fine")
        #expect(try client.get("/sessions").list.isEmpty)
        #expect(try client.get("/sessions?status=closed").list.map { $0["session_id"] as? String } == [id])
        #expect(try client.get("/sessions/\(id)").object["status"] as? String == "closed")
        #expect(await daemon.stop() == 0)
        #expect(!FileManager.default.fileExists(atPath: daemon.socket), "the socket is removed at stop")
    }

    @Test func badRequestsAre422UnknownSessions404AndUnknownPaths404Or405() async throws {
        let daemon = try await APIDaemon()
        defer { daemon.remove() }
        let client = daemon.client
        func problems(_ response: HTTPResponse) -> [(String, String)] {
            (response.object["detail"] as? [[String: Any]] ?? []).map {
                ($0["type"] as? String ?? "", ($0["loc"] as? [Any] ?? []).map { "\($0)" }.joined(separator: "."))
            }
        }
        let empty = try client.send("POST", "/sessions", json: [String: Any]())
        #expect(empty.status == 422 && problems(empty).map(\.1) == ["body.computer", "body.project_dir"])
        let short = try client.send("POST", "/sessions", json: ["computer": "a", "project_dir": daemon.project, "agent": "eliza", "thinking_mode": "fast"])
        #expect(short.status == 422)
        #expect(problems(short).map(\.0) == ["string_too_short", "literal_error"])
        let notJSON = try client.request("POST", "/sessions", body: Array("{nope".utf8), contentType: "application/json")
        #expect(notJSON.status == 422 && problems(notJSON).first?.0 == "json_invalid")
        let badDirectory = try client.send("POST", "/sessions", json: ["computer": daemon.computer, "project_dir": "/etc", "shell": true])
        #expect(badDirectory.status == 400 && (badDirectory.object["message"] as? String)?.contains("not allowed") == true)
        let otherComputer = try client.send("POST", "/sessions", json: ["computer": "elsewhere", "project_dir": daemon.project])
        #expect(otherComputer.status == 503 && (otherComputer.object["message"] as? String)?.contains("redis.enabled") == true,
                "another computer without Redis: \(otherComputer.text)")
        #expect(try client.send("POST", "/sessions/0badc0de/message", json: ["message": ""]).status == 422)
        let unknown = try client.send("POST", "/sessions/0badc0de/message", json: ["message": "hello"])
        #expect(unknown.status == 404 && (unknown.object["message"] as? String)?.contains("0badc0de") == true)
        #expect(try client.request("DELETE", "/sessions/0badc0de").status == 404)
        #expect(try client.get("/sessions/0badc0de/transcript").status == 404)
        #expect(try client.get("/sessions/0badc0de/transcript?tail_chars=lots").status == 422)
        #expect(try client.send("POST", "/sessions/0badc0de/keys", json: ["keys": ["escape"], "count": "many"]).status == 422)
        #expect(try client.get("/sessions?status=sleeping").status == 422)
        let missingPath = try client.get("/nowhere")
        #expect(missingPath.status == 404 && missingPath.text == #"{"detail":"Not Found"}"#)
        let wrongMethod = try client.request("PUT", "/sessions")
        #expect(wrongMethod.status == 405 && wrongMethod.text == #"{"detail":"Method Not Allowed"}"#)
        #expect(try client.request("POST", "/sessions", body: Array("x=1".utf8), contentType: "application/x-www-form-urlencoded").status == 415)
        let huge = try client.request("POST", "/sessions/0badc0de/message", body: Array(repeating: UInt8(ascii: "a"), count: 6 << 20), contentType: "application/json")
        #expect(huge.status == 413)
        #expect(try client.get("/health").status == 200)
    }

    @Test func malformedTrafficGetsOnly4xxAndTheDaemonKeepsServing() async throws {
        let daemon = try await APIDaemon()
        defer { daemon.remove() }
        let client = daemon.client
        var generator = SystemRandomNumberGenerator()
        // Every one of these is wrong: a bad body, a bad method, or a path that does not exist.
        let paths = ["/sessions", "/sessions/x/message", "/sessions/x/keys", "/sessions/x", "/computers", "/metrics", "/%ff%00", "/../../etc/passwd"]
        let methods = ["POST", "PUT", "PATCH", "DELETE", "POST", "PATCH", "PUT"]
        var statuses: [Int] = []
        for round in 0..<120 {
            var body = [UInt8](repeating: 0, count: Int.random(in: 0...2048, using: &generator))
            for index in body.indices { body[index] = UInt8.random(in: 0...255, using: &generator) }
            if round % 5 == 0 { body = Array(#"{"message": ["not", "a", "string"], "computer": 12}"#.utf8) }
            let types: [String?] = ["application/json", "text/plain", nil, "application/json; charset=latin1"]
            let response = try? client.request(methods[round % methods.count], paths[round % paths.count], body: body, contentType: types[round % types.count])
            if let response { statuses.append(response.status) }
        }
        #expect(!statuses.isEmpty)
        #expect(statuses.allSatisfy { (400..<500).contains($0) }, "\(Set(statuses).sorted())")
        // Raw garbage, a request cut off half way and a connection closed mid-body.
        for raw in ["GARBAGE\r\n\r\n", "POST /sessions HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n{\"comp", "GET / HTTP/9.9\r\n\r\n"] {
            try? rawExchange(socket: daemon.socket, raw)
        }
        #expect(try client.get("/health").status == 200)
        #expect(daemon.process.isRunning)
        #expect(await daemon.stop() == 0)
    }

    @Test func aManagerThatRefusesUnitsGetsOneWarningAndSessionsStillStart() async throws {
        // A service's INVOCATION_ID without a manager that will make units (no user bus here, and
        // systemd is not PID 1 on these machines, or the system manager refuses).
        let daemon = try await APIDaemon(environment: ["INVOCATION_ID": "0123456789abcdef"])
        defer { daemon.remove() }
        let id = try daemon.newSession(command: "echo unisolated-ok")
        #expect(await eventually { daemon.transcript(id).contains("unisolated-ok") })
        let log = daemon.process.log
        let warned = log.components(separatedBy: "sessions are not isolated").count - 1
        #expect(warned == 1 || log.contains("sessions run in systemd units"), "\(log)")
        _ = try daemon.newSession()
        #expect(daemon.process.log.components(separatedBy: "sessions are not isolated").count - 1 <= 1, "warned once, not per session")
    }

    @Test func aStaleSocketIsReplacedAndAPathThatIsNotASocketStopsTheStart() async throws {
        let dir = TemporaryDirectory("tether-stale")
        defer { dir.remove() }
        try FileManager.default.createDirectory(atPath: dir.file("run"), withIntermediateDirectories: true)
        // A socket file nobody listens on: what a crash leaves.
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in for (index, byte) in dir.file("run/api.sock").utf8.enumerated() { buffer[index] = byte } }
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
        close(fd)
        try dir.write("tether.yml", "api: {socket: \(dir.file("run/api.sock"))}\ncomputer: {tmux_socket: stale}\n")
        let daemon = try ChildProcess(Binaries.tetherd, ["--config", dir.file("tether.yml")], environment: daemonEnvironment(home: dir.path), logPath: dir.file("log"))
        #expect(await eventually { (try? TetherHTTPClient(socketPath: dir.file("run/api.sock")).get("/health").status) == 200 })
        #expect(daemon.log.contains("replaced a stale API socket"))
        daemon.signal(SIGTERM)
        #expect(await daemon.waitForExit() == 0)

        try dir.write("run/api.sock", "a regular file")
        let refused = try ChildProcess(Binaries.tetherd, ["--config", dir.file("tether.yml")], environment: daemonEnvironment(home: dir.path), logPath: dir.file("log2"))
        #expect(await refused.waitForExit() == 1)
        #expect(refused.log.contains("exists and is not a socket"))
    }
}

/// Writes `text` on a fresh connection, half-closes, reads what comes back (ignored).
func rawExchange(socket path: String, _ text: String) throws {
    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    withUnsafeMutableBytes(of: &address.sun_path) { buffer in for (index, byte) in path.utf8.enumerated() { buffer[index] = byte } }
    guard withUnsafePointer(to: &address, { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }) == 0 else { return }
    _ = text.withCString { send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
    shutdown(fd, Int32(SHUT_WR))
    var timeout = timeval(tv_sec: 2, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var buffer = [UInt8](repeating: 0, count: 4096)
    while recv(fd, &buffer, buffer.count, 0) > 0 {}
}
