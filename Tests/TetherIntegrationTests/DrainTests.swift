import Foundation
import Logging
import Testing
import TetherCore
import TetherStore
#if canImport(Glibc)
import Glibc
#endif

/// The ordered drain, against the real daemon (the fixture build, for its fault-injecting components).
@Suite(.serialized, .timeLimit(.minutes(3))) struct DrainTests {
    /// The `component.name` of each "component stopped" line, in log order.
    static func stopOrder(_ log: String) -> [String] {
        log.split(separator: "\n").filter { $0.contains("component stopped") }.compactMap { line in
            line.split(separator: " ").first { $0.hasPrefix("component.name=") }.map { String($0.dropFirst("component.name=".count)) }
        }
    }

    @Test func slowCleanUpFinishesAndRecordsBeforeTheStoreCloses() async throws {
        let daemon = try await APIDaemon(environment: ["TETHER_FIXTURE_SLOW_CLEANUP": "300"], binary: Binaries.fixture)
        defer { daemon.remove() }
        #expect(await daemon.stop() == 0, "\(daemon.process.log)")
        let store = try await SessionStore.open(path: daemon.dir.file("tether.db"), logger: Logger(label: "test"))
        let row = try await store.value(forKey: "fixture.cleanup")
        await store.close()
        #expect(row?.hasPrefix("done in ") == true, "the row written during the clean-up is there: \(daemon.process.log)")
        // Reverse start order, one line each: the fixture (started last), the API, sessions, store, monitor.
        #expect(Self.stopOrder(daemon.process.log) == ["fixture-cleanup", "api", "sessions", "store", "pool-monitor"], "\(daemon.process.log)")
        #expect(daemon.process.log.contains("component.stop=graceful"))
        #expect(!daemon.process.log.contains("component.stop=cancelled"), "\(daemon.process.log)")
    }

    @Test func aSessionThatExitsDuringTheDrainHasItsExitAndFinalScreenRecorded() async throws {
        // The fixture's clean-up (stopped before the sessions) makes the session print and exit.
        let daemon = try await APIDaemon(environment: [
            "TETHER_FIXTURE_SLOW_CLEANUP": "300", "TETHER_FIXTURE_CLEANUP_COMMAND": "sh \"$HOME/cleanup.sh\"",
        ], binary: Binaries.fixture)
        defer { daemon.remove() }
        let id = try daemon.newSession(command: "echo ready-to-go")
        let name = "tc_" + id.prefix(8)
        #expect(await eventually { daemon.transcript(id).contains("ready-to-go") })
        try daemon.dir.write("cleanup.sh", "exec tmux -L api send-keys -t '\(name)' 'echo last words; exit 7' Enter\n")
        #expect(await daemon.stop() == 0, "\(daemon.process.log)")
        let store = try await SessionStore.open(path: daemon.dir.file("tether.db"), logger: Logger(label: "test"))
        let record = try await store.session(id: id)
        await store.close()
        #expect(record?.status == .exited, "\(daemon.process.log)")
        #expect(record?.exitStatus == 7)
        #expect(record?.finalScreen?.contains("last words") == true, "\(record?.finalScreen ?? "no final screen")")
    }

    @Test func aComponentThatReturnsEarlyStopsTheDaemonWithExitOne() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let listener = try NotifyListener(directory: dir)
        let env = daemonEnvironment(["NOTIFY_SOCKET": listener.path, "TETHER_FIXTURE_RETURN_AFTER": "0.5"], home: dir.path)
        let daemon = try ChildProcess(Binaries.fixture, [], environment: env, logPath: dir.file("log"))
        #expect(await daemon.waitForExit(timeout: .seconds(20)) == 1, "\(daemon.log)")
        #expect(daemon.log.contains("component ended unexpectedly"))
        #expect(daemon.log.contains("component.name=fixture-return"))
        #expect(listener.assignments.contains("READY=1"))
        // The listener's thread may take the last datagram just after the daemon exits.
        #expect(await eventually { listener.assignments.contains { $0.hasPrefix("STATUS=failed: component fixture-return failed") } },
                "\(listener.assignments)")
        // The others still stopped in order.
        #expect(Self.stopOrder(daemon.log) == ["fixture-return", "api", "sessions", "store", "pool-monitor"], "\(daemon.log)")
    }
}
