import Foundation
import TetherClient
#if canImport(Glibc)
import Glibc
#endif

/// A real `tetherd` with its API on a socket in a temporary directory, its own tmux server and
/// database there too, and a trusted project with a todo list.
final class APIDaemon: @unchecked Sendable {
    let dir = TemporaryDirectory("tether-api")
    private(set) var process: ChildProcess
    private let binary: String
    private let environment: [String: String]
    let socket: String
    let project: String
    let computer: String

    init(computer: String = "apihost", websocketQueue: Int = 1024, environment extra: [String: String] = [:], binary: String = Binaries.tetherd,
         configuration more: String = "", timeouts: String = "") async throws {
        self.computer = computer
        socket = dir.file("run/api.sock")
        project = dir.file("project")
        try FileManager.default.createDirectory(atPath: project + "/todos/cache-unification", withIntermediateDirectories: true)
        try "- [>] cache-unification\n      One cache for all.\n- [ ] later-thing\n".write(toFile: project + "/todos/roadmap.md", atomically: true, encoding: .utf8)
        try "req".write(toFile: project + "/todos/cache-unification/requirements.md", atomically: true, encoding: .utf8)
        try dir.write("tether.yml", """
            computer:
              name: \(computer)
              tmux_socket: api
              trusted_dirs: [{name: project, desc: "the test project", path: \(project)}]
            api: {socket: \(socket), websocket_queue: \(websocketQueue)}
            polling: {interval: 0.2, min_interval: 0.1, max_interval: 0.5}
            database: {path: \(dir.file("tether.db"))}
            timeouts: {shutdown: 8\(timeouts.isEmpty ? "" : ", " + timeouts)}
            \(more)
            """)
        var environment = daemonEnvironment(home: dir.path)
        environment["SHELL"] = "/bin/sh"
        environment.merge(extra) { $1 }
        self.binary = binary
        self.environment = environment
        process = try ChildProcess(binary, ["--config", dir.file("tether.yml")], environment: environment, logPath: dir.file("log"))
        let up = await eventually { (try? client.get("/health").status) == 200 }
        guard up else { throw SandboxError("tetherd did not serve \(socket): \(process.log)") }
    }

    /// Starts the daemon again (after ``stop()``) on the same configuration, store and tmux server;
    /// its log goes to `log-<n>`.
    func restart(_ number: Int = 2) async throws {
        process = try ChildProcess(binary, ["--config", dir.file("tether.yml")], environment: environment, logPath: dir.file("log-\(number)"))
        let up = await eventually { (try? client.get("/health").status) == 200 }
        guard up else { throw SandboxError("tetherd did not serve \(socket) again: \(process.log)") }
    }

    var client: TetherHTTPClient { TetherHTTPClient(socketPath: socket, timeout: .seconds(20)) }

    /// Creates a shell session in the project, running `command` if given; returns its id.
    func newSession(command: String? = nil) throws -> String {
        var body: [String: Any] = ["computer": computer, "project_dir": project, "shell": true]
        if let command { body["command"] = command }
        let response = try client.send("POST", "/sessions", json: body)
        guard response.status == 200, let object = try response.json() as? [String: Any], let id = object["session_id"] as? String else {
            throw SandboxError("POST /sessions answered \(response.status): \(response.text)")
        }
        return id
    }

    func transcript(_ id: String) -> String {
        guard let response = try? client.get("/sessions/\(id)/transcript?tail_chars=0"), response.status == 200,
              let object = try? response.json() as? [String: Any] else { return "" }
        return object["transcript"] as? String ?? ""
    }

    /// SIGTERM, and the exit status.
    func stop() async -> Int32? {
        process.signal(SIGTERM)
        return await process.waitForExit()
    }

    func remove() {
        process.signal(SIGKILL)
        _ = waitpid(process.pid, nil, 0)  // test cleanup: SIGKILL ends it at once
        dir.remove()
    }
}

extension HTTPResponse {
    var object: [String: Any] { ((try? json()) as? [String: Any]) ?? [:] }
    var list: [[String: Any]] { ((try? json()) as? [[String: Any]]) ?? [] }
}
