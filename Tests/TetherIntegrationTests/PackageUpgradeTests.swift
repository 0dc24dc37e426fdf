import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The installed package's user unit under a real systemd user manager, upgraded in place (`dpkg -i`
/// of the same package, so postinst runs its upgrade path): sessions survive the daemon's restart,
/// an edited conffile stays, and a conffile broken before the upgrade leaves the daemon running on
/// its old configuration. `packaging/install-test.sh` runs it right after its fresh `dpkg -i`.
@Suite(
    .serialized,
    .timeLimit(.minutes(10)),
    .enabled(if: PackageUnderTest.isAvailable,
             "SKIPPED: needs TETHER_PACKAGE_UNDER_TEST naming a .deb, the package tether installed and the systemd sandbox (make package-test)")
)
struct PackageUpgradeTests {
    static let package = PackageUnderTest.path
    static let conffile = "/etc/tether/tether.yml"
    static let unit = "tetherd.service"
    /// A 130 MB package unpacks in seconds; minutes leave room for a machine busy with builds.
    static let dpkgTimeout: Duration = .seconds(180)
    /// From `systemctl start` or `restart` to `tether status` answering: the daemon opens its store and socket.
    static let answerTimeout: Duration = .seconds(30)
    /// Stopping the daemon (its drain is at most 12 s, TimeoutStopSec 15 s) and the session units.
    static let stopTimeout: Duration = .seconds(30)

    @Test func anUpgradeRestartsTheDaemonAndKeepsSessionsAndTheEditedConffile() async throws {
        let socket = "pkgtest\(UInt32.random(in: 0...UInt32.max))"
        // The daemon reads /etc/tether/tether.yml (no ~/.config/tether/tether.yml in the sandbox's home):
        // its tmux socket's name proves it read the edit.
        try await withEditedConffile({ $0.replacingOccurrences(of: "  tmux_socket: tether ", with: "  tmux_socket: \(socket) ") }) {
            try await withInstalledUnit { sandbox in
                let clock = ContinuousClock()
                let began = clock.now
                try await startAndAnswer(sandbox, "start")
                let startToAnswer = clock.now - began
                #expect(try await sandbox.run("systemctl --user is-active tether-tmux-\(socket).service").output.hasPrefix("active"))

                let ids = [try await newSession(sandbox), try await newSession(sandbox)]
                // The sessions' panes; the daemon's own control session ("tether-control") is not one.
                let panes = try await panePIDs(sandbox, socket: socket).filter { $0.key.hasPrefix("tc_") }
                #expect(panes.count == 2 && ids.allSatisfy { id in panes.keys.contains { $0.hasPrefix("tc_" + id.prefix(8)) } }, "\(panes)")
                let daemon = try await mainPID(sandbox)

                let upgradeBegan = clock.now
                let upgrade = try await sandbox.run("\(Self.dpkg) -i \(Self.package)", timeout: Self.dpkgTimeout)
                #expect(upgrade.status == 0, "\(upgrade.output)")
                try await startAndAnswer(sandbox, "restart")
                let upgradeToAnswer = clock.now - upgradeBegan

                #expect(try await mainPID(sandbox) != daemon, "a new daemon process")
                #expect(await eventually { (try? await liveSessions(sandbox)) == Set(ids) }, "both sessions re-adopted and alive")
                #expect(try await panePIDs(sandbox, socket: socket).filter { $0.key.hasPrefix("tc_") } == panes, "the same shells, never restarted")
                #expect(panes.values.allSatisfy { kill($0, 0) == 0 })
                #expect(try String(contentsOfFile: Self.conffile, encoding: .utf8).contains("tmux_socket: \(socket) "), "the edited conffile kept")
                print("measured: systemctl --user start to tether status answering: \(Self.milliseconds(startToAnswer)) ms")
                print("measured: dpkg -i (upgrade) + systemctl --user restart to tether status answering: \(Self.milliseconds(upgradeToAnswer)) ms")
            }
        }
    }

    @Test func aConffileBrokenBeforeAnUpgradeKeepsTheDaemonOnItsOldConfiguration() async throws {
        try await withInstalledUnit { sandbox in
            try await startAndAnswer(sandbox, "start")
            let daemon = try await mainPID(sandbox)
            let broken = "  role: development "
            let line = try #require(try String(contentsOfFile: Self.conffile, encoding: .utf8).components(separatedBy: "\n").firstIndex { $0.hasPrefix(broken) })
            let location = "\(Self.conffile):\(line + 1):"
            try await withEditedConffile({ $0.replacingOccurrences(of: broken, with: "  rolle: development ") }) {
                let upgrade = try await sandbox.run("\(Self.dpkg) -i \(Self.package)", timeout: Self.dpkgTimeout)
                #expect(upgrade.status == 0, "the upgrade completes: \(upgrade.output)")
                print(upgrade.output.split(separator: "\n").filter { $0.hasPrefix("tether:") }.map { "postinst said: " + $0 }.joined(separator: "\n"))
                #expect(upgrade.output.contains(location) && upgrade.output.contains("computer.rolle is not a known key"), "\(upgrade.output)")
                #expect(upgrade.output.contains("systemctl restart tetherd"), "says what to do: \(upgrade.output)")
                #expect(try await mainPID(sandbox) == daemon, "not restarted")

                #expect(try await sandbox.run("systemctl --user reload \(Self.unit)").status == 0)
                let said = await eventually {
                    let text = (try? await sandbox.run("systemctl --user show -p StatusText --value \(Self.unit)").output) ?? ""
                    return text.contains("last reload failed, running on the previous configuration") && text.contains("rolle")
                }
                #expect(said, "STATUS= says why")
                let status = try await sandbox.run("systemctl --user status --no-pager \(Self.unit)").output
                #expect(status.contains("last reload failed") && status.contains("active (running)"), "\(status)")
                #expect(try await mainPID(sandbox) == daemon)
                #expect(try await sandbox.run("/usr/bin/tether status").status == 0, "still serving")
            }
        }
    }
}

/// The .deb that install-test.sh has just installed, named by TETHER_PACKAGE_UNDER_TEST.
enum PackageUnderTest {
    static let path = ProcessInfo.processInfo.environment["TETHER_PACKAGE_UNDER_TEST"] ?? ""

    /// The variable names a .deb, the package is installed, and the systemd sandbox can boot.
    static let isAvailable: Bool = {
        path.hasSuffix(".deb") && FileManager.default.fileExists(atPath: path) && SystemdSandbox.isAvailable
            && system("dpkg-query -W -f='${Status}' tether 2>/dev/null | grep -q 'install ok installed'") == 0
    }()
}

extension PackageUpgradeTests {
    static let dpkg = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin dpkg"

    static func milliseconds(_ duration: Duration) -> Int { Int((duration / .milliseconds(1)).rounded()) }

    /// Runs `body` with the conffile changed by `edit`, then puts back the operator's file (in place:
    /// the same inode, mode and owner).
    func withEditedConffile(_ edit: (String) -> String, _ body: () async throws -> Void) async throws {
        let original = try String(contentsOfFile: Self.conffile, encoding: .utf8)
        let edited = edit(original)
        #expect(edited != original, "the edit applies to the shipped conffile")
        try edited.write(toFile: Self.conffile, atomically: false, encoding: .utf8)
        defer { try? original.write(toFile: Self.conffile, atomically: false, encoding: .utf8) }
        try await body()
    }

    /// A sandbox whose manager sees the installed /usr/lib/systemd/user/tetherd.service; only test-private
    /// settings go in a drop-in (tmux's socket directory in the sandbox, a plain shell). policy-rc.d is
    /// Docker's "never" in this container: inside the namespace it says yes, as on a real machine.
    func withInstalledUnit(_ body: (SystemdSandbox) async throws -> Void) async throws {
        try await withSandbox { sandbox in
            let dropIn = "/run/user/0/systemd/user/\(Self.unit).d"
            try sandbox.dir.write("test.conf", "[Service]\nEnvironment=TMUX_TMPDIR=\(sandbox.dir.path) SHELL=/bin/sh\n")
            let setUp = try await sandbox.run("""
                mkdir -p \(dropIn) && cp \(sandbox.dir.file("test.conf")) \(dropIn)/ && systemctl --user daemon-reload &&
                if [ -e /usr/sbin/policy-rc.d ]; then mount --bind /bin/true /usr/sbin/policy-rc.d; fi
                """)
            #expect(setUp.status == 0, "\(setUp.output)")
            do {
                try await body(sandbox)
            } catch {
                await stopUnits(sandbox)
                throw error
            }
            await stopUnits(sandbox)
        }
    }

    /// The daemon and its units go before the sandbox's manager does (which would orphan them).
    func stopUnits(_ sandbox: SystemdSandbox) async {
        _ = try? await sandbox.run("systemctl --user stop \(Self.unit) 'tether-session-*.scope' 'tether-tmux-*.service'", timeout: Self.stopTimeout)
    }

    func startAndAnswer(_ sandbox: SystemdSandbox, _ verb: String) async throws {
        let done = try await sandbox.run("systemctl --user \(verb) \(Self.unit)")
        #expect(done.status == 0, "\(verb): \(done.output)")
        let answered = try await eventually(timeout: Self.answerTimeout) { try await sandbox.run("/usr/bin/tether status").status == 0 }
        if !answered {
            let status = try await sandbox.run("systemctl --user status --no-pager -n 40 \(Self.unit)").output
            throw SandboxError("tether status did not answer after \(verb): \(status)")
        }
    }

    func newSession(_ sandbox: SystemdSandbox) async throws -> String {
        let created = try await sandbox.run("/usr/bin/tether new --project \(sandbox.dir.file("home"))")
        let id = created.output.trimmingCharacters(in: .whitespacesAndNewlines)
        guard created.status == 0, !id.isEmpty else { throw SandboxError("tether new: \(created.output)") }
        return id
    }

    func mainPID(_ sandbox: SystemdSandbox) async throws -> String {
        try await sandbox.run("systemctl --user show -p MainPID --value \(Self.unit)").output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The ids `tether ls` lists as live (active or idle).
    func liveSessions(_ sandbox: SystemdSandbox) async throws -> Set<String> {
        let listed = try await sandbox.run("/usr/bin/tether ls --json").output
        let sessions = try JSONSerialization.jsonObject(with: Data(listed.utf8)) as? [[String: Any]] ?? []
        return Set(sessions.filter { ["active", "idle"].contains($0["status"] as? String) }.compactMap { $0["session_id"] as? String })
    }

    /// Each tmux session's first pane's process, from the daemon's tmux server.
    func panePIDs(_ sandbox: SystemdSandbox, socket: String) async throws -> [String: pid_t] {
        let panes = try await sandbox.run("TMUX_TMPDIR=\(sandbox.dir.path) tmux -L \(socket) list-panes -a -F '#{session_name} #{pane_pid}'").output
        return Dictionary(panes.split(separator: "\n").compactMap { line -> (String, pid_t)? in
            let fields = line.split(separator: " ")
            guard fields.count == 2, let pid = pid_t(fields[1]) else { return nil }
            return (String(fields[0]), pid)
        }, uniquingKeysWith: { first, _ in first })
    }
}
