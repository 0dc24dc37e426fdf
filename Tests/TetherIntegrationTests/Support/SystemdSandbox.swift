import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A real systemd user manager and journald in a private mount namespace, so nothing leaks to the host
/// (ARCHITECTURE.md, "Testing with real parts"). Commands run inside it through `nsenter`.
final class SystemdSandbox: @unchecked Sendable {
    static let unit = "tetherd-test.service"
    let dir = TemporaryDirectory("tether-systemd")
    private let anchor: ChildProcess
    private var pids: [String] = []

    /// Whether namespaces, a user manager and journald can be had here (root, unshare, nsenter, systemd).
    static let isAvailable: Bool = {
        guard geteuid() == 0,
              FileManager.default.isExecutableFile(atPath: "/lib/systemd/systemd"),
              FileManager.default.isExecutableFile(atPath: "/lib/systemd/systemd-journald"),
              FileManager.default.fileExists(atPath: "/run/systemd") else { return false }
        return system("unshare --mount --propagation private true >/dev/null 2>&1 && command -v nsenter >/dev/null") == 0
    }()

    init() async throws {
        let home = dir.file("home")
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        try dir.write("boot.sh", """
            set -e
            mount -t tmpfs tmpfs /run/systemd
            mkdir -p /run/systemd/system /run/systemd/journal /run/user/0 /run/log
            mount -t tmpfs tmpfs /run/user/0
            mount -t tmpfs tmpfs /run/log
            if [ -d /var/log/journal ]; then mount -t tmpfs tmpfs /var/log/journal; fi
            /lib/systemd/systemd-journald >/dev/null 2>&1 &
            echo $! > \(dir.file("journald.pid"))
            while [ ! -S /run/systemd/journal/socket ]; do sleep 0.05; done
            HOME=\(home) XDG_RUNTIME_DIR=/run/user/0 /lib/systemd/systemd --user >\(dir.file("manager.log")) 2>&1 &
            echo $! > \(dir.file("manager.pid"))
            mkdir -p /run/user/0/systemd/user
            echo ready > \(dir.file("ready"))
            exec sleep 3600
            """)
        anchor = try ChildProcess(
            "/usr/bin/unshare", ["--mount", "--propagation", "private", "/bin/sh", dir.file("boot.sh")],
            environment: daemonEnvironment(), logPath: dir.file("boot.log")
        )
        let booted = await eventually { FileManager.default.fileExists(atPath: dir.file("ready")) }
        guard booted else { throw SandboxError("the sandbox did not boot: \(anchor.log)") }
        pids = ["manager.pid", "journald.pid"].compactMap {
            try? String(contentsOfFile: dir.file($0), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let running = try await eventually {
            let state = try await run("systemctl --user is-system-running").output
            return state.contains("running") || state.contains("degraded")
        }
        guard running else { throw SandboxError("the user manager did not come up") }
    }

    /// Runs a shell command inside the namespace, with the user manager's runtime directory.
    @discardableResult
    func run(_ command: String, timeout: Duration = .seconds(60)) async throws -> (status: Int32, output: String) {
        try await shell(
            "nsenter -t \(anchor.pid) -m -- env XDG_RUNTIME_DIR=/run/user/0 SYSTEMD_PAGER= /bin/sh -c \(Self.quote(command))",
            timeout: timeout
        )
    }

    /// Installs the shipped user unit, pointed at `executable` and `config`, with extra `[Service]` lines.
    func install(executable: String, config: String, environment: [String: String] = [:], extra: [String] = []) async throws {
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("systemd/user/tetherd.service")
        var unit = try String(contentsOf: source, encoding: .utf8)
        unit = unit.replacingOccurrences(of: "ExecStart=/usr/bin/tetherd", with: "ExecStart=\(executable) --config \(config)")
        // The daemon's tmux server keeps its socket in the sandbox's directory, which stop() cleans up.
        var service = extra + ["Environment=TMUX_TMPDIR=\(dir.path)"]
        for (key, value) in environment { service.append("Environment=\(key)=\(value)") }
        // At the end of [Service], so they override the shipped values.
        unit = unit.replacingOccurrences(of: "\n[Install]", with: service.map { $0 + "\n" }.joined() + "\n[Install]")
        try dir.write("unit", unit)
        try await run("cp \(dir.file("unit")) /run/user/0/systemd/user/\(Self.unit) && systemctl --user daemon-reload")
    }

    /// The unit's journal, as `journalctl -u` shows it, with optional field matches.
    func journal(_ matches: String = "", format: String = "cat") async throws -> String {
        try await run("journalctl --no-pager -o \(format) -u \(Self.unit) \(matches)").output
    }

    func property(_ name: String) async throws -> String {
        try await run("systemctl --user show -p \(name) --value \(Self.unit)").output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func stop() async {
        _ = try? await run("systemctl --user stop \(Self.unit)", timeout: .seconds(20))
        for pid in pids { kill(pid_t(pid) ?? 0, SIGTERM) }
        anchor.signal(SIGTERM)
        _ = await anchor.waitForExit(timeout: .seconds(5))
        for pid in pids { kill(pid_t(pid) ?? 0, SIGKILL) }
        dir.remove()
    }

    static func quote(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }
}

struct SandboxError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs `body` in a fresh sandbox and tears it down afterwards, whatever happens.
func withSandbox(_ body: (SystemdSandbox) async throws -> Void) async throws {
    let sandbox = try await SystemdSandbox()
    do {
        try await body(sandbox)
    } catch {
        await sandbox.stop()
        throw error
    }
    await sandbox.stop()
}
