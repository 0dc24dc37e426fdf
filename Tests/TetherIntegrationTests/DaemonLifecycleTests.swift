import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The real `tetherd` binary, talking to a notify socket the test owns.
@Suite(.serialized, .timeLimit(.minutes(5))) struct DaemonLifecycleTests {
    @Test func notifiesStatusReadyWatchdogAndStoppingInOrder() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let listener = try NotifyListener(directory: dir)
        let daemon = try startDaemon(Binaries.tetherd, in: dir, environment: ["NOTIFY_SOCKET": listener.path, "WATCHDOG_USEC": "200000"])
        #expect(await eventually { listener.assignments.contains("WATCHDOG=1") })
        daemon.signal(SIGTERM)
        #expect(await daemon.waitForExit() == 0)
        let sent = listener.assignments
        let status = sent.firstIndex { $0.hasPrefix("STATUS=starting") }
        let ready = sent.firstIndex(of: "READY=1")
        let readyStatus = sent.firstIndex { $0.hasPrefix("STATUS=ready: 0 sessions, redis disabled") }
        let watchdog = sent.firstIndex(of: "WATCHDOG=1")
        let stopping = sent.firstIndex(of: "STOPPING=1")
        #expect(status != nil && ready != nil && readyStatus != nil && watchdog != nil && stopping != nil, "\(sent)")
        if let status, let ready, let watchdog, let stopping {
            #expect(status < ready && ready < watchdog && watchdog < stopping, "\(sent)")
        }
        #expect(sent.contains { $0.hasPrefix("STATUS=stopping: draining") })
        #expect(daemon.log.contains("drained"))
    }

    @Test func stalledComponentStopsTheWatchdogPings() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let listener = try NotifyListener(directory: dir)
        let daemon = try startDaemon(Binaries.fixture, in: dir, environment: ["NOTIFY_SOCKET": listener.path, "WATCHDOG_USEC": "200000", "TETHER_FIXTURE_STALL_AFTER": "1"])
        defer { daemon.signal(SIGKILL) }
        #expect(await eventually { listener.assignments.contains { $0.hasPrefix("STATUS=stalled: fixture-stall") } })
        let pingsAtStall = listener.assignments.filter { $0 == "WATCHDOG=1" }.count
        #expect(pingsAtStall >= 3, "pings flowed while healthy")
        // Five ping periods (100 ms each at WATCHDOG_USEC=200000) without one more ping.
        let pinged = await eventually(timeout: .milliseconds(500)) { listener.assignments.filter { $0 == "WATCHDOG=1" }.count > pingsAtStall }
        #expect(!pinged, "no ping once a component stalled")
        #expect(daemon.log.contains("withholding watchdog pings"))
        daemon.signal(SIGTERM)
        // The stalled component ignores its stop, is cancelled at the end of its share: exit 1.
        #expect(await daemon.waitForExit() == 1)
        #expect(daemon.log.contains("component.name=fixture-stall component.share_ms"), "\(daemon.log)")
    }

    @Test func reloadAppliesAValidFileAndKeepsTheOldOneOnAnInvalidFile() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let listener = try NotifyListener(directory: dir)
        try dir.write("tether.yml", "logging: {level: info}\n")
        let daemon = try startDaemon(Binaries.tetherd, ["--config", dir.file("tether.yml")], in: dir, environment: ["NOTIFY_SOCKET": listener.path])
        #expect(await eventually { listener.assignments.contains("READY=1") })

        try dir.write("tether.yml", "logging: {level: debug}\napi: {socket: /tmp/elsewhere.sock}\n")
        daemon.signal(SIGHUP)
        #expect(await eventually { daemon.log.contains("reload applied") })
        #expect(daemon.log.contains("config.changed=logging.level"))
        #expect(daemon.log.contains("config.restart_required=api.socket"))
        #expect(listener.assignments.contains("RELOADING=1"))

        try dir.write("tether.yml", "logging: {level: debug}\npolling: {interval: nope}\n")
        daemon.signal(SIGHUP)
        #expect(await eventually { daemon.log.contains("configuration reload failed") })
        #expect(daemon.log.contains("polling.interval must be a number"))
        #expect(await eventually { listener.assignments.last?.contains("last reload failed") == true })
        #expect(listener.assignments.filter { $0 == "READY=1" }.count == 3)

        daemon.signal(SIGTERM)
        #expect(await daemon.waitForExit() == 0)
    }

    @Test func invalidConfigurationFailsTheStartWithTheKeyAndNothingWritten() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let listener = try NotifyListener(directory: dir)
        try dir.write("tether.yml", "timeouts:\n  shutdown: 5\n  shutdwon: 6\n")
        let daemon = try startDaemon(Binaries.tetherd, ["--config", dir.file("tether.yml")], in: dir, environment: ["NOTIFY_SOCKET": listener.path])
        #expect(await daemon.waitForExit() == 1)
        #expect(daemon.log.contains("tether.yml:3: timeouts.shutdwon is not a known key"))
        #expect(!listener.assignments.contains("READY=1"))
        // The listener's thread may take the last datagram just after the daemon exits.
        #expect(await eventually { listener.assignments.contains { $0.hasPrefix("STATUS=failed: ") && $0.contains("timeouts.shutdwon") } })
        let entries = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(entries == ["log", "notify.sock", "tether.yml"], "nothing created: no store, no socket, no tmux")

        let missing = try startDaemon(Binaries.tetherd, ["--config", dir.file("absent.yml")], in: dir, environment: ["NOTIFY_SOCKET": listener.path], log: "log2")
        #expect(await missing.waitForExit() == 1)
        #expect(missing.log.contains("absent.yml: the configuration file given with --config does not exist"))
        #expect(await eventually { listener.assignments.contains("ERRNO=2") })
    }

    @Test func runsWithoutHomeNotifySocketOrJournal() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let daemon = try ChildProcess(Binaries.tetherd, [], environment: ["TMUX_TMPDIR": dir.path, "STATE_DIRECTORY": dir.file("state"), "RUNTIME_DIRECTORY": dir.path], logPath: dir.file("log"))
        #expect(await eventually { daemon.log.contains("tetherd ready") })
        daemon.signal(SIGINT)
        #expect(await daemon.waitForExit() == 0)
    }

    @Test func drainsAThousandIdleTasksOnSigterm() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let listener = try NotifyListener(directory: dir)
        let daemon = try startDaemon(Binaries.fixture, in: dir, environment: ["NOTIFY_SOCKET": listener.path, "TETHER_FIXTURE_IDLE_TASKS": "1000"])
        #expect(await eventually { listener.assignments.contains("READY=1") })
        daemon.signal(SIGTERM)
        #expect(await daemon.waitForExit() == 0)
        // The components stop first, in order; the 1000 are what the registry drains after them.
        #expect(daemon.log.contains("drained 100"), "\(daemon.log)")
        #expect(daemon.log.contains("component.name=fixture-idle component.share_ms"), "\(daemon.log)")
    }

    @Test func checkConfigValidatesAndRedacts() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("good.yml", "redis: {enabled: true, password: topsecret}\n")
        try dir.write("bad.yml", "limits: {max_sessions: 0}\n")
        let good = try await shell("\(Binaries.tetherd) check-config --config \(dir.file("good.yml"))")
        #expect(good.status == 0)
        #expect(good.output.contains("password: \"<redacted>\""))
        #expect(!good.output.contains("topsecret"))
        let bad = try await shell("\(Binaries.tetherd) check-config --config \(dir.file("bad.yml"))")
        #expect(bad.status == 1)
        #expect(bad.output.contains("limits.max_sessions is 0, out of range: allowed 1 to 100000"))
        let version = try await shell("\(Binaries.tetherd) --version")
        #expect(version.output.trimmingCharacters(in: .whitespacesAndNewlines) == "0.1.0")
    }
}

/// Starts `binary` with the test environment, `$HOME` in `dir` and its output in `dir/log`.
private func startDaemon(
    _ binary: String, _ arguments: [String] = [], in dir: TemporaryDirectory,
    environment: [String: String], log: String = "log"
) throws -> ChildProcess {
    try ChildProcess(binary, arguments, environment: daemonEnvironment(environment, home: dir.path), logPath: dir.file(log))
}
