import Foundation
import Testing
import TetherClient
#if canImport(Glibc)
import Glibc
#endif

/// Sessions under a real systemd user manager: the tmux server in a unit of its own, each session
/// in a scope, limits and accounting (the sandbox of the lifecycle tests).
@Suite(
    .serialized,
    .timeLimit(.minutes(10)),
    .enabled(if: SystemdSandbox.isAvailable, "SKIPPED: systemd session tests need root, unshare and nsenter to build a private mount namespace")
)
struct SessionUnitsTests {
    /// Installs and starts tetherd with its API socket and tmux socket in the sandbox's directory.
    func start(_ sandbox: SystemdSandbox, limits: String = "") async throws -> (TetherHTTPClient, String) {
        let socket = "units\(UInt16.random(in: 0...UInt16.max))"
        try sandbox.dir.write("tether.yml", """
            computer: {name: unithost, tmux_socket: \(socket)}
            api: {socket: \(sandbox.dir.file("api.sock"))}
            polling: {interval: 0.2, min_interval: 0.1, max_interval: 0.5}
            limits: {\(limits)}
            """)
        try await sandbox.install(executable: Binaries.tetherd, config: sandbox.dir.file("tether.yml"), environment: ["SHELL": "/bin/sh"])
        let started = try await sandbox.run("systemctl --user start \(SystemdSandbox.unit)")
        #expect(started.status == 0, "\(started.output)")
        let client = TetherHTTPClient(socketPath: sandbox.dir.file("api.sock"), timeout: .seconds(20))
        #expect(await eventually { (try? client.get("/health").status) == 200 })
        return (client, socket)
    }

    func newSession(_ client: TetherHTTPClient, in sandbox: SystemdSandbox, command: String? = nil) throws -> String {
        var body: [String: Any] = ["computer": "unithost", "project_dir": sandbox.dir.file("home"), "shell": true]
        if let command { body["command"] = command }
        let response = try client.send("POST", "/sessions", json: body)
        guard let id = response.object["session_id"] as? String else { throw SandboxError("create: \(response.status) \(response.text)") }
        return id
    }

    func liveIDs(_ client: TetherHTTPClient) -> Set<String> {
        Set(((try? client.get("/sessions"))?.list ?? []).compactMap { $0["session_id"] as? String })
    }

    @Test func sessionsSurviveRestartStopAndAKilledDaemon() async throws {
        try await withSandbox { sandbox in
            let (client, socket) = try await start(sandbox)
            let ids = Set(try (0..<3).map { _ in try newSession(client, in: sandbox) })
            // The pane's shell makes its scope (`exec systemd-run --scope`) after the create returns.
            var scopes = ""
            #expect(await eventually {
                scopes = (try? await sandbox.run("systemctl --user list-units --type=scope --no-legend --plain").output) ?? ""
                return ids.allSatisfy { scopes.contains("tether-session-\($0).scope") }
            }, "\(scopes)")
            #expect(try await sandbox.run("systemctl --user is-active tether-tmux-\(socket).service").output.contains("active"))

            #expect(try await sandbox.run("systemctl --user restart \(SystemdSandbox.unit)").status == 0)
            #expect(await eventually { liveIDs(client) == ids }, "re-adopted after a restart")

            #expect(try await sandbox.run("systemctl --user stop \(SystemdSandbox.unit)").status == 0)
            let tmux = try await sandbox.run("TMUX_TMPDIR=\(sandbox.dir.path) tmux -L \(socket) list-sessions -F '#{session_name}'").output
            #expect(ids.allSatisfy { tmux.contains("tc_" + $0.prefix(8)) }, "the tmux server outlives a stop: \(tmux)")

            #expect(try await sandbox.run("systemctl --user start \(SystemdSandbox.unit)").status == 0)
            #expect(await eventually { liveIDs(client) == ids })
            let killed = try await sandbox.run("systemctl --user kill --kill-whom=main -s KILL \(SystemdSandbox.unit)")
            #expect(killed.status == 0)
            #expect(await eventually(timeout: .seconds(20)) { (try? await sandbox.property("NRestarts")).flatMap(Int.init) ?? 0 >= 1 })
            #expect(await eventually(timeout: .seconds(20)) { liveIDs(client) == ids }, "re-adopted after kill -9 and a restart")
        }
    }

    @Test func closingASessionStopsItsWholeTree() async throws {
        try await withSandbox { sandbox in
            let (client, _) = try await start(sandbox)
            let marker = "1\(Int.random(in: 100_000...999_999))"
            let id = try newSession(client, in: sandbox, command: "sleep \(marker) &")
            #expect(await eventually { (try? await shell("pgrep -f '^sleep \(marker)$'").status) == 0 }, "the background child runs")
            let clock = ContinuousClock()
            let began = clock.now
            #expect(try client.request("DELETE", "/sessions/\(id)").status == 200)
            #expect(clock.now - began < .seconds(5), "an interactive shell ends on the hang-up, not the kill timeout")
            #expect(await eventually { (try? await shell("pgrep -f '^sleep \(marker)$'").status) == 1 }, "no sleep left behind")
        }
    }

    /// Whether the kernel has the memory controller (cgroup v1's hierarchy or v2's controllers list).
    static var memoryControllerAvailable: Bool {
        FileManager.default.fileExists(atPath: "/sys/fs/cgroup/memory/memory.usage_in_bytes")
            || ((try? String(contentsOfFile: "/sys/fs/cgroup/cgroup.controllers", encoding: .utf8))?.contains("memory") ?? false)
    }

    @Test(.enabled(if: memoryControllerAvailable, "SKIPPED: no memory cgroup controller, so no memory limit to enforce"))
    func aSessionOverItsMemoryLimitIsKilledAloneAndAccountingMatchesSystemd() async throws {
        try await withSandbox { sandbox in
            let (client, _) = try await start(sandbox, limits: "session_memory_max: 64M")
            let hog = try newSession(client, in: sandbox)
            let calm = try newSession(client, in: sandbox)
            // tail keeps a line without a newline in memory: 300 MB of zeros is one such line.
            #expect(try client.send("POST", "/sessions/\(hog)/message", json: ["message": "exec sh -c 'head -c 300M /dev/zero | tail'"]).status == 200)
            #expect(await eventually(timeout: .seconds(30)) { (try? client.get("/sessions/\(hog)"))?.object["status"] as? String == "exited" })
            let ended = try client.get("/sessions/\(hog)").object
            #expect(ended["exit_status"] as? Int == 137, "\(ended)")
            #expect((ended["exit_reason"] as? String).map { $0.contains("oom") || $0.contains("SIGKILL") } == true, "\(ended)")
            #expect(liveIDs(client) == [calm], "the other session lives on")
            #expect(try await sandbox.property("ActiveState") == "active")

            // The daemon's figure against systemd's, read back to back.
            let agreed = try await eventually(timeout: .seconds(20)) {
                guard let ours = try client.get("/sessions/\(calm)").object["memory_bytes"] as? Int else { return false }
                let theirs = Int(try await sandbox.run("systemctl --user show -p MemoryCurrent --value tether-session-\(calm).scope").output
                    .trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
                return theirs > 0 && abs(ours - theirs) <= theirs / 10
            }
            #expect(agreed, "memory_bytes within 10% of the scope's MemoryCurrent")
            let metrics = try client.get("/metrics").text
            #expect(metrics.contains("tether_session_memory_bytes{session=\"\(calm)\"}"))
        }
    }

    @Test func aLimitSystemdWouldRefuseIsAConfigurationError() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("bad.yml", "limits: {session_memory_max: lots}\n")
        let checked = try await shell("\(Binaries.tetherd) check-config --config \(dir.file("bad.yml"))")
        #expect(checked.status == 1)
        #expect(checked.output.contains("limits.session_memory_max must be bytes with an optional K, M, G or T suffix"))
    }
}
