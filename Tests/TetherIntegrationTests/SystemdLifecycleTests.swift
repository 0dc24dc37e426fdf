import Foundation
import Testing

/// tetherd as a real unit of a real user manager, logging to a real journald.
@Suite(
    .serialized,
    .timeLimit(.minutes(10)),
    .enabled(if: SystemdSandbox.isAvailable, "SKIPPED: systemd lifecycle tests need root, unshare and nsenter to build a private mount namespace")
)
struct SystemdLifecycleTests {
    @Test func startReportsActiveWithItsStatusLine() async throws {
        try await withSandbox { sandbox in
            try sandbox.dir.write("tether.yml", "logging: {level: info}\n")
            try await sandbox.install(executable: Binaries.tetherd, config: sandbox.dir.file("tether.yml"))
            let start = try await sandbox.run("systemctl --user start \(SystemdSandbox.unit)")
            #expect(start.status == 0, "\(start.output)")
            #expect(try await sandbox.property("ActiveState") == "active")
            let status = try await sandbox.run("systemctl --user status \(SystemdSandbox.unit)").output
            #expect(status.contains("Status: \"ready: 0 sessions, redis disabled\""), "\(status)")
        }
    }

    @Test func reloadAppliesAChangedLogLevel() async throws {
        try await withSandbox { sandbox in
            let config = sandbox.dir.file("tether.yml")
            try sandbox.dir.write("tether.yml", "logging: {level: info}\n")
            try await sandbox.install(executable: Binaries.tetherd, config: config)
            try await sandbox.run("systemctl --user start \(SystemdSandbox.unit)")
            #expect(try await sandbox.journal("PRIORITY=7").isEmpty, "no debug entries at level info")
            try sandbox.dir.write("tether.yml", "logging: {level: debug}\n")
            let reload = try await sandbox.run("systemctl --user reload \(SystemdSandbox.unit)")
            #expect(reload.status == 0, "\(reload.output)")
            let applied = try await eventually {
                try await sandbox.journal("CONFIG_CHANGED=logging.level").contains("configuration reloaded")
            }
            #expect(applied)
            // journald takes entries in on its own time: wait for the line, not just read once.
            #expect(try await eventually { try await sandbox.journal("PRIORITY=7").contains("reload applied") })
            #expect(try await sandbox.property("ActiveState") == "active")
        }
    }

    @Test func stopDrainsQuicklyAndExitsZero() async throws {
        try await withSandbox { sandbox in
            try sandbox.dir.write("tether.yml", "")
            try await sandbox.install(executable: Binaries.tetherd, config: sandbox.dir.file("tether.yml"))
            try await sandbox.run("systemctl --user start \(SystemdSandbox.unit)")
            let clock = ContinuousClock()
            let began = clock.now
            let stop = try await sandbox.run("systemctl --user stop \(SystemdSandbox.unit)")
            let took = clock.now - began
            #expect(stop.status == 0)
            // Under the drain's whole budget (timeouts.shutdown, 5 s): a stop that used it up fails here.
            // Loose otherwise (a loaded machine); the printed figure is the measure.
            #expect(took < .seconds(4), "systemctl stop took \(took)")
            let drained = try await eventually { try await sandbox.journal().contains("drained ") }
            let journal = try await sandbox.journal()
            #expect(drained, "\(journal)")
            // One entry per component, in reverse start order, each with how long its stop took.
            let stops = try await sandbox.journal("MESSAGE='component stopped'", format: "verbose")
            let order = stops.split(separator: "\n").compactMap { line -> String? in
                let field = line.trimmingCharacters(in: .whitespaces)
                return field.hasPrefix("COMPONENT_NAME=") ? String(field.dropFirst("COMPONENT_NAME=".count)) : nil
            }
            #expect(order == ["api", "sessions", "store", "pool-monitor"], "\(stops)")
            let times = stops.split(separator: "\n").filter { $0.contains("COMPONENT_STOP_MS=") }.map { $0.trimmingCharacters(in: .whitespaces) }
            print("systemd sandbox stop: \(zip(order, times).map { "\($0) \($1)" }.joined(separator: ", ")); systemctl stop took \(took)")
            #expect(try await sandbox.property("ExecMainStatus") == "0")
            #expect(try await sandbox.property("Result") == "success")
        }
    }

    @Test func badConfigurationFailsTheStartWithTheReasonVisible() async throws {
        try await withSandbox { sandbox in
            try sandbox.dir.write("tether.yml", "polling:\n  interval: 0.5\n  intervall: 2\n")
            try await sandbox.install(executable: Binaries.tetherd, config: sandbox.dir.file("tether.yml"), extra: ["Restart=no"])
            let start = try await sandbox.run("systemctl --user start \(SystemdSandbox.unit)")
            #expect(start.status != 0)
            var journal = ""
            #expect(try await eventually {
                journal = try await sandbox.journal()
                return journal.contains("polling.intervall is not a known key")
            }, "\(journal)")
            let status = try await sandbox.run("systemctl --user status \(SystemdSandbox.unit)").output
            #expect(status.contains("failed"), "\(status)")
        }
    }

    @Test func stalledComponentMakesSystemdRestartTheServiceThroughTheWatchdog() async throws {
        try await withSandbox { sandbox in
            try sandbox.dir.write("tether.yml", "")
            try await sandbox.install(
                executable: Binaries.fixture, config: sandbox.dir.file("tether.yml"),
                environment: ["TETHER_FIXTURE_STALL_AFTER": "1"],
                extra: ["WatchdogSec=2s", "RestartSec=100ms", "WatchdogSignal=SIGKILL"]
            )
            try await sandbox.run("systemctl --user start \(SystemdSandbox.unit)")
            let restarted = try await eventually(timeout: .seconds(20)) {
                (Int(try await sandbox.property("NRestarts")) ?? 0) >= 1
            }
            var journal = ""
            #expect(restarted)
            #expect(try await eventually {
                journal = try await sandbox.journal()
                return journal.contains("withholding watchdog pings")
            }, "\(journal)")
        }
    }

    @Test func journalEntriesCarryTheIdentifierAndMetadataFields() async throws {
        try await withSandbox { sandbox in
            try sandbox.dir.write("tether.yml", "logging: {level: debug}\n")
            try await sandbox.install(executable: Binaries.tetherd, config: sandbox.dir.file("tether.yml"))
            try await sandbox.run("systemctl --user start \(SystemdSandbox.unit)")
            var ready = ""
            #expect(try await eventually {
                ready = try await sandbox.journal("SYSLOG_IDENTIFIER=tetherd STARTUP_MS= + SYSLOG_IDENTIFIER=tetherd", format: "verbose")
                return ready.contains("MESSAGE=tetherd ready")
            }, "\(ready)")
            #expect(ready.contains("CONFIG_ORIGIN=\(sandbox.dir.file("tether.yml"))"))
            #expect(ready.contains("CODE_FILE="))
            #expect(ready.contains("CODE_LINE="))
            #expect(ready.contains("CODE_FUNC="))
            #expect(ready.contains("PRIORITY=6"))
            #expect(try await eventually { try await sandbox.journal("TASK_NAME=component.pool-monitor").contains("task spawned") })
        }
    }
}

