import Foundation
import Synchronization
import TetherClient

/// A release `tetherd` (or the fixture) in a temporary directory, driven over its socket.
final class DaemonUnderTest: Sendable {
    let root: String
    let pid: pid_t
    let socket: String

    init(binary: String, configuration: String = "", environment extra: [String: String] = [:]) throws {
        var template = Array("/tmp/tether-apibench-XXXXXX".utf8CString)
        root = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
        socket = root + "/api.sock"
        try FileManager.default.createDirectory(atPath: root + "/home", withIntermediateDirectories: true)
        try """
            computer: {name: bench, tmux_socket: apibench}
            api: {socket: \(socket)}
            limits: {max_sessions: 1000}
            \(configuration)
            """.write(toFile: root + "/tether.yml", atomically: true, encoding: .utf8)
        let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
        var environment = ["PATH": "/usr/bin:/bin", "HOME": root + "/home", "TMUX_TMPDIR": root, "SHELL": "/bin/sh", "RUNTIME_DIRECTORY": root]
        environment.merge(extra) { $1 }
        let arguments: [String] = [directory + "/" + binary, "--config", root + "/tether.yml"]
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawn_file_actions_addopen(&actions, 1, root + "/log", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var child: pid_t = 0
        guard posix_spawn(&child, argv[0]!, &actions, nil, argv, envp) == 0 else { throw ClientError("cannot start \(binary)") }
        posix_spawn_file_actions_destroy(&actions)
        pid = child
        let deadline = ContinuousClock.now + .seconds(30)
        while (try? client.get("/health").status) != 200 {
            guard ContinuousClock.now < deadline else { throw ClientError("\(binary) did not come up") }
            usleep(20_000)
        }
    }

    var client: TetherHTTPClient { TetherHTTPClient(socketPath: socket, timeout: .seconds(60)) }

    func newSession(command: String? = nil) throws -> String {
        var body: [String: Any] = ["computer": "bench", "project_dir": root + "/home", "shell": true]
        if let command { body["command"] = command }
        let response = try client.send("POST", "/sessions", json: body)
        guard let id = (try response.json() as? [String: Any])?["session_id"] as? String else { throw ClientError("create failed: \(response.text)") }
        return id
    }

    /// User + system CPU seconds of the daemon so far.
    var cpuSeconds: Double { Measure.cpuSeconds(pid: pid) }

    func stop() {
        kill(pid, SIGTERM)
        waitpid(pid, nil, 0)
        let words: [String] = ["tmux", "-L", "apibench", "kill-server"]
        let tmux: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
        let variables: [String] = ["TMUX_TMPDIR=\(root)", "PATH=/usr/bin:/bin"]
        let envp: [UnsafeMutablePointer<CChar>?] = variables.map { strdup($0) } + [nil]
        var child: pid_t = 0
        if posix_spawnp(&child, "tmux", nil, nil, tmux, envp) == 0 { waitpid(child, nil, 0) }
        (tmux + envp).forEach { free($0) }
        try? FileManager.default.removeItem(atPath: root)
    }
}

enum APIBenchmark {
    static func run() throws -> [String] {
        var lines = ["## API (tetherd release build, out of process, over its unix socket)", ""]

        // Typing to the screen update over the WebSocket, at the default polling settings.
        let daemon = try DaemonUnderTest(binary: "tetherd")
        let session = try daemon.newSession()
        let socket = try TetherWebSocket(socketPath: daemon.socket)
        try socket.send(json: ["subscribe": ["session": session]])
        usleep(500_000)
        var latencies: [Double] = []
        for round in 1...60 {
            let marker = "ok-\(1000 + round)"
            let started = ContinuousClock.now
            _ = try daemon.client.send("POST", "/sessions/\(session)/message", json: ["message": "echo ok-$((1000+\(round)))"])
            while true {
                guard let message = try socket.receiveJSON(timeout: .seconds(10)) else { throw ClientError("no update for round \(round)") }
                if message["event"] as? String == "session_output",
                   ((message["data"] as? [String: Any])?["screen"] as? String)?.split(separator: "\n").contains(where: { $0.hasPrefix(marker) }) == true { break }
            }
            let took = started.duration(to: .now)
            latencies.append(Double(took.components.seconds) * 1000 + Double(took.components.attoseconds) / 1e15)
            usleep(150_000)
        }
        socket.close()
        daemon.stop()
        lines += [
            "### Typing to its screen update on the WebSocket (default polling: interval 1 s, min 0.1 s), 60 rounds", "",
            "| p50 | p90 | p99 | max |", "|---|---|---|---|",
            String(format: "| %.1f ms | %.1f ms | %.1f ms | %.1f ms |", Measure.percentile(latencies, 0.5), Measure.percentile(latencies, 0.9),
                   Measure.percentile(latencies, 0.99), latencies.max() ?? 0), "",
        ]

        // GET /sessions with 10,000 sessions in the cache.
        let listing = try DaemonUnderTest(binary: "tetherd-fixture", environment: ["TETHER_FIXTURE_FAKE_SESSIONS": "10000"])
        var listTimes: [Double] = []
        var size = 0
        for _ in 0..<5 { _ = try listing.client.get("/sessions") }
        for _ in 0..<200 {
            let started = ContinuousClock.now
            let response = try listing.client.get("/sessions")
            let took = started.duration(to: .now)
            size = response.body.count
            listTimes.append(Double(took.components.seconds) * 1000 + Double(took.components.attoseconds) / 1e15)
        }
        listing.stop()
        lines += [
            "### GET /sessions with 10,000 sessions (200 requests, one at a time, new connection each)", "",
            "| p50 | p99 | max | body |", "|---|---|---|---|",
            String(format: "| %.2f ms | %.2f ms | %.2f ms | %.1f MiB |", Measure.percentile(listTimes, 0.5), Measure.percentile(listTimes, 0.99),
                   listTimes.max() ?? 0, Double(size) / 1_048_576), "",
        ]

        // 100 WebSocket clients on 50 sessions that each print a line a second.
        let fanout = try DaemonUnderTest(binary: "tetherd")
        var sessions: [String] = []
        for _ in 0..<50 { sessions.append(try fanout.newSession(command: "while :; do date +%s%N; sleep 1; done")) }
        let subscribed = sessions
        let fanoutSocket = fanout.socket
        let delays = Mutex<[Double]>([])
        let stop = Atomic<Bool>(false)
        let connected = Atomic<Int>(0)
        var threads: [Thread] = []
        for _ in 0..<100 {
            let thread = Thread {
                guard let client = try? TetherWebSocket(socketPath: fanoutSocket) else { return }
                defer { client.close() }
                for id in subscribed { try? client.send(json: ["subscribe": ["session": id]]) }
                connected.add(1, ordering: .relaxed)
                var mine: [Double] = []
                while !stop.load(ordering: .relaxed) {
                    guard let message = try? client.receiveJSON(timeout: .milliseconds(500)) else { continue }
                    guard let data = message["data"] as? [String: Any], let ts = data["ts"] as? Int else { continue }
                    var now = timespec()
                    clock_gettime(CLOCK_REALTIME, &now)
                    let micros: Int = Int(now.tv_sec) * 1_000_000 + Int(now.tv_nsec) / 1000
                    mine.append(Double(micros - ts) / 1000)
                }
                delays.withLock { $0 += mine }
            }
            thread.start()
            threads.append(thread)
        }
        while connected.load(ordering: .relaxed) < 100 { usleep(50_000) }
        sleep(3)
        delays.withLock { $0.removeAll() }
        let cpu0 = fanout.cpuSeconds
        let window = 20.0
        usleep(UInt32(window * 1_000_000))
        let cpu = fanout.cpuSeconds - cpu0
        stop.store(true, ordering: .relaxed)
        sleep(1)
        let samples = delays.withLock { $0 }
        fanout.stop()
        lines += [
            "### 100 WebSocket clients, each subscribed to 50 sessions printing a line a second (\(Int(window)) s)", "",
            "| messages delivered | per second | delivery p50 | p99 | max | daemon CPU (% of one core) |", "|---|---|---|---|---|---|",
            String(format: "| %d | %.0f | %.2f ms | %.2f ms | %.2f ms | %.1f%% |", samples.count, Double(samples.count) / window,
                   Measure.percentile(samples, 0.5), Measure.percentile(samples, 0.99), samples.max() ?? 0, cpu / window * 100),
        ]
        return lines
    }
}
