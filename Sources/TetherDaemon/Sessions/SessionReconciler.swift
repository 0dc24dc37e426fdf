import Logging
import TetherCore
import TetherStore
import TetherTerminal

/// At start, matches the sessions the store says are live with the tmux sessions that are running:
/// adopts those whose tmux outlived the daemon, marks the vanished ones exited, and leaves every tmux
/// session it did not create alone (the Python daemon's sweep killed them, PROTOCOL.md §9.16).
struct SessionReconciler: Sendable {
    let store: SessionStore
    let recorder: SessionRecorder
    let accountant: SessionAccountant
    let poller: OutputPoller
    let bridge: TerminalBridge
    let scopes: SessionScopeController
    let temp: SessionTempDirectory
    let files: BlockingWorker
    /// Follows the agents of adopted sessions again.
    let agents: AgentWatch
    /// Tells whether an adopted session's agent is still in front.
    let exits: AgentExitWaiter
    let settings: LiveConfiguration
    let computer: String
    let time: TimeSource
    let logger: Logger

    func reconcile() async throws -> SessionReconciliation {
        let rows = try await store.sessions(statuses: [.creating, .active, .idle], computer: computer)
        let running: Set<String>?
        do {
            running = Set(try await bridge.listSessions())
        } catch {
            // Without a listing every row gets a poller, which marks the missing ones exited itself.
            logger.warning("cannot list tmux sessions at start; the pollers will find out which sessions live", metadata: ["error": "\(error)"])
            running = nil
        }
        var outcome = SessionReconciliation()
        for row in rows {
            if running?.contains(row.tmuxSessionName) ?? true {
                try await adopt(row)
                outcome.adopted += 1
            } else {
                let ended = Session(row).updating {
                    $0.status = .exited
                    $0.closedAt = time.wallNow
                }
                try await recorder.recordVanished(ended)
                await temp.remove(for: row.sessionID, on: files)
                await scopes.stop(sessionID: row.sessionID)
                outcome.exited += 1
            }
        }
        let known = Set(rows.map(\.tmuxSessionName))
        outcome.foreign = running?.filter { $0.hasPrefix("tc_") && !known.contains($0) }.count ?? 0
        logger.info("sessions reconciled", metadata: [
            "sessions.adopted": "\(outcome.adopted)", "sessions.exited": "\(outcome.exited)", "sessions.foreign": "\(outcome.foreign)",
        ])
        return outcome
    }

    /// A session whose tmux is running: live again (a creation cut short by the restart is finished),
    /// accounted, its agent followed again, and polled.
    private func adopt(_ row: SessionRecord) async throws {
        var record = row
        if record.status == .creating { record.status = .active }
        try await recorder.recordAdopted(Session(record), rowChanged: record != row)
        if let pid = (try? await bridge.paneState(record.tmuxSessionName))??.pid { accountant.track(record.sessionID, pid: pid) }
        await followAgain(record)
        poller.start(sessionID: record.sessionID, tmuxName: record.tmuxSessionName, directory: record.workingDirectory)
    }

    /// The agent state lives in memory only, and an idle agent sends no hook until someone submits
    /// (Codex none before a turn ends), so an adopted agent is followed again from `starting`: its
    /// screen settles the state within a few polls, and texts for it are queued, not typed with
    /// their Enter. Not when the record's agent has exited (its shell is in front again): a tracker
    /// there would only hold texts for the shell in a queue.
    private func followAgain(_ record: SessionRecord) async {
        guard let name = record.activeAgent else { return }
        let command = settings.current.agents[name]?.command ?? name
        guard let kind = AgentLauncher.kind(name: name, command: command) else { return }
        if (try? await exits.shellInForeground(record.tmuxSessionName)) == true { return }
        await agents.launched(record.sessionID, kind: AgentKind(rawValue: kind.rawValue) ?? .other)
        logger.info("agent followed again", metadata: ["session.id": "\(record.sessionID)", "session.agent": "\(name)"])
    }
}

/// What reconciliation at start found.
public struct SessionReconciliation: Sendable, Equatable {
    /// Sessions whose tmux outlived the daemon, live again.
    public var adopted = 0
    /// Sessions whose tmux had gone, marked exited.
    public var exited = 0
    /// `tc_*` tmux sessions with no row here (the TUI's `tc_tui`, CLI quick starts): left alone.
    public var foreign = 0
}
