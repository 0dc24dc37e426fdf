import TetherCore
import TetherTerminal

/// Each session's systemd scope, when units can be made here: the shell command that starts a
/// session in one, stopping it (its whole process tree), and systemd's verdict when it ended.
/// Without units every call is a no-op; the timeouts are `timeouts.subprocess_quick` for the probe
/// and the verdict, `timeouts.subprocess` for a stop, read at each call so a reload applies.
struct SessionScopeController: Sendable {
    let units: SystemdUnits?
    let settings: LiveConfiguration

    private var quickTimeout: Duration { .seconds(settings.current.timeouts.subprocessQuick) }

    /// The command the session's pane runs (its shell in a scope of its own with the session limits);
    /// nil without units, when tmux starts the default shell.
    func shellCommand(sessionID: String, shell: String) async -> String? {
        guard let units, await units.isUsable(timeout: quickTimeout) else { return nil }
        return units.scopedShell(sessionID: sessionID, shell: shell, limits: settings.current.limits.sessionLimits)
    }

    /// Stops the session's scope: every process in it, background children included.
    func stop(sessionID: String) async {
        guard let units, await units.isUsable(timeout: quickTimeout) else { return }
        await units.stopScope(sessionID: sessionID, timeout: .seconds(settings.current.timeouts.subprocess))
    }

    /// systemd's verdict on the session's scope when it is not a plain `success` (`oom-kill`, ...).
    func failure(sessionID: String) async -> String? {
        guard let units, await units.isUsable(timeout: quickTimeout),
              let result = await units.scopeResult(sessionID: sessionID, timeout: quickTimeout), result != "success" else { return nil }
        return result
    }

    /// Why a session's process ended: systemd's verdict on its scope when it has one to give
    /// (`oom-kill`), else what the exit status says.
    func exitReason(sessionID: String, exitStatus: Int?) async -> String? {
        if let failure = await failure(sessionID: sessionID) { return failure }
        return exitStatus.map { Self.describe(exitStatus: $0, memoryMax: settings.current.limits.sessionLimits.memoryMax) }
    }

    /// `killed by SIGKILL (memory limit 2G?)`, `exited with status 7`, as `exit_reason` says it.
    static func describe(exitStatus: Int, memoryMax: String?) -> String {
        guard exitStatus > 128 else { return "exited with status \(exitStatus)" }
        let signal = exitStatus - 128
        let names = [1: "SIGHUP", 2: "SIGINT", 6: "SIGABRT", 9: "SIGKILL", 11: "SIGSEGV", 15: "SIGTERM"]
        var reason = "killed by \(names[signal] ?? "signal \(signal)")"
        if signal == 9, let memoryMax { reason += " (memory limit \(memoryMax)?)" }
        return reason
    }
}
