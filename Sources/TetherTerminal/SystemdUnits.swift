import Foundation
import Logging
import Synchronization
import TetherCore

/// Where the daemon's children live under systemd: the tmux server in a transient service of its
/// own (`tether-tmux-<socket>.service`) and each session in a transient scope of its own
/// (`tether-session-<id>.scope`), both outside `tetherd.service`'s cgroup, so a stop, restart or
/// crash of the daemon leaves them running, closing a session stops its whole process tree, and
/// each session can have limits and its own accounting.
///
/// Used when the daemon runs as a systemd service (`$INVOCATION_ID`) and `computer.systemd_units`
/// is `auto`: the user manager when `$XDG_RUNTIME_DIR/systemd/private` exists; for a system service
/// running as a user other than root (no `$XDG_RUNTIME_DIR` there), that user's own manager when it
/// runs (`/run/user/<uid>/systemd/private`: the user lingers), since the system manager makes
/// transient units only for root; else the system manager. The first use probes with a throwaway
/// service; a manager that refuses gets one warning saying why, and sessions start as before,
/// unisolated.
public final class SystemdUnits: Sendable {
    public enum Manager: Sendable, Equatable {
        case user, system
        var flag: [String] { self == .user ? ["--user"] : [] }
    }

    private enum Probe { case untried, probing(AsyncEvent), usable, refused }

    /// The manager to use, or nil when not under systemd (or turned off).
    public let manager: Manager?
    /// What `systemctl --user` and `systemd-run --user` need in the environment to find the manager
    /// when the daemon's own environment lacks it: `XDG_RUNTIME_DIR` for a system service using its
    /// user's manager. Sessions get it too, as a login on that user's manager would.
    public let managerEnvironment: [String: String]
    private let environment: [String: String]
    private let userID: UInt32
    private let logger: Logger
    private let probe = Mutex(Probe.untried)

    /// Where user managers keep their runtime directories (`/run/user/<uid>`).
    public static let userRuntimeRoot = "/run/user"

    public init(mode: String, environment: [String: String], logger: Logger,
                userID: UInt32 = getuid(), userRuntimeRoot: String = SystemdUnits.userRuntimeRoot) {
        self.logger = logger
        self.userID = userID
        let choice = Self.choose(mode: mode, environment: environment, userID: userID, userRuntimeRoot: userRuntimeRoot)
        manager = choice.manager
        managerEnvironment = choice.extra
        self.environment = environment.merging(choice.extra) { _, derived in derived }
    }

    private static func choose(mode: String, environment: [String: String], userID: UInt32,
                               userRuntimeRoot: String) -> (manager: Manager?, extra: [String: String]) {
        guard mode == "auto", let invocation = environment["INVOCATION_ID"], !invocation.isEmpty else { return (nil, [:]) }
        let hasManager = { (runtime: String) in FileManager.default.fileExists(atPath: runtime + "/systemd/private") }
        if let runtime = environment["XDG_RUNTIME_DIR"], !runtime.isEmpty {
            return (hasManager(runtime) ? .user : .system, [:])
        }
        let lingering = "\(userRuntimeRoot)/\(userID)"
        if userID != 0, hasManager(lingering) { return (.user, ["XDG_RUNTIME_DIR": lingering]) }
        return (.system, [:])
    }

    /// How long a session's processes get, after the hang-up, before SIGKILL: enough for a shell or
    /// an agent to save its state, as a terminal closing gives it, short enough not to stall a close.
    public static let scopeStopTimeout: Duration = .seconds(5)

    /// The transient service that holds the tmux server on `socket`.
    public static func serverUnit(socket: String) -> String { "tether-tmux-\(socket).service" }
    /// The transient scope that holds a session's process tree.
    public static func scopeUnit(sessionID: String) -> String { "tether-session-\(sessionID).scope" }

    /// Whether units can be made here; probes once (with a throwaway scope) and remembers.
    public func isUsable(timeout: Duration) async -> Bool {
        guard let manager else { return false }
        // One caller probes; callers that arrive meanwhile wait for its answer instead of probing
        // (and warning) again. The claim is taken before the first await.
        let (claimed, answer) = probe.withLock { state -> (Bool, AsyncEvent?) in
            switch state {
            case .untried:
                state = .probing(AsyncEvent())
                return (true, nil)
            case .probing(let event): return (false, event)
            case .usable, .refused: return (false, nil)
            }
        }
        if !claimed {
            if let answer { await answer.wait() }
            return probe.withLock { if case .usable = $0 { true } else { false } }
        }
        var reason: String?
        do {
            // A service, not a scope: a scope would take this process's child out of tetherd's
            // cgroup, which a user manager may not do for a system service's process.
            let output = try await ProcessRunner.run("systemd-run", manager.flag + ["--quiet", "--collect", "--", "true"],
                                                     environment: environment, timeout: timeout)
            if output.status != 0 { reason = output.stderrText.trimmingTrailingNewlines() }
        } catch {
            reason = "\(error)"
        }
        // A probe cut short by cancellation says nothing about the manager: the next caller tries again.
        let verdict: Probe = reason != nil && Task.isCancelled ? .untried : (reason == nil ? .usable : .refused)
        let waiting = probe.withLock { state -> AsyncEvent? in
            defer { state = verdict }
            if case .probing(let event) = state { return event }
            return nil
        }
        waiting?.fire()
        if case .untried = verdict { return false }
        if let reason {
            // The system manager makes transient units for root only; a user's own manager needs it to linger.
            let remedy = manager == .system && userID != 0
                ? "; run `loginctl enable-linger \(userName)` and restart tetherd so they run in that user's own manager" : ""
            logger.warning("sessions are not isolated: the \(manager) systemd manager refused a transient unit, so the tmux server and sessions stay in tetherd's own cgroup and die with it\(remedy)",
                           metadata: ["systemd.error": "\(reason)"])
        } else {
            logger.info("sessions run in systemd units of their own", metadata: ["systemd.manager": "\(manager)"])
        }
        return reason == nil
    }

    /// The login name of the daemon's user, for the hint in the warning (systemd sets `$USER` for `User=`).
    private var userName: String { environment["USER"].flatMap { $0.isEmpty ? nil : $0 } ?? "\(userID)" }

    /// `systemd-run` arguments that start the tmux server in the foreground (`-D`) as a service of its own.
    func serverCommand(binary: String, socket: String, sessionEnvironment: [String: String]) -> [String] {
        var arguments = (manager?.flag ?? []) + ["--unit=\(Self.serverUnit(socket: socket))", "--collect", "--quiet", "--property=Type=simple"]
        for (key, value) in sessionEnvironment.sorted(by: { $0.key < $1.key }) where !value.contains("\n") {
            arguments.append("--setenv=\(key)=\(value)")
        }
        return arguments + ["--", binary, "-D", "-u", "-L", socket]
    }

    /// The shell command a session's pane runs: its login shell, in a scope of its own with `limits`.
    public func scopedShell(sessionID: String, shell: String, limits: SessionLimits) -> String {
        var words = ["exec", "systemd-run"] + (manager?.flag ?? []) + ["--scope", "--quiet", "--unit=\(Self.scopeUnit(sessionID: sessionID))"]
        // An interactive shell ignores SIGTERM; a hang-up ends it and everything it started, as closing a
        // terminal does. Whatever survives gets SIGKILL after the stop timeout.
        words += ["-p", "KillSignal=SIGHUP", "-p", "TimeoutStopSec=\(Int(Self.scopeStopTimeout.components.seconds))s"]
        for property in limits.properties { words += ["-p", property] }
        words += ["--", shell, "-l"]
        return words.map(Self.shellQuote).joined(separator: " ")
    }

    /// Stops a session's scope (every process in it) and clears its failed state; a scope that is gone is fine.
    public func stopScope(sessionID: String, timeout: Duration) async {
        let unit = Self.scopeUnit(sessionID: sessionID)
        _ = try? await ProcessRunner.run("systemctl", (manager?.flag ?? []) + ["stop", unit], environment: environment, timeout: timeout)
        _ = try? await ProcessRunner.run("systemctl", (manager?.flag ?? []) + ["reset-failed", unit], environment: environment, timeout: timeout)
    }

    /// systemd's verdict on a session's scope (`success`, `oom-kill`, `signal`, ...), if it still knows the scope.
    public func scopeResult(sessionID: String, timeout: Duration) async -> String? {
        let output = try? await ProcessRunner.run("systemctl", (manager?.flag ?? []) + ["show", "-p", "Result", "--value", Self.scopeUnit(sessionID: sessionID)],
                                                  environment: environment, timeout: timeout)
        let result = output?.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        return result.isEmpty ? nil : result
    }

    static func shellQuote(_ word: String) -> String {
        let plain = word.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || "-_./=:@%+,".unicodeScalars.contains($0) }
        return plain && !word.isEmpty ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

extension SystemdUnits.Manager: CustomStringConvertible {
    public var description: String { self == .user ? "user" : "system" }
}
