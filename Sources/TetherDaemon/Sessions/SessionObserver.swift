import Logging
import TetherCore
import TetherTerminal

/// Turns what the poller saw into record changes and events: a new screen (activity, `active`), a
/// new directory, idleness, and an exit, which ends the session.
///
/// It needs nothing of the poller: the poller hands it observations through the delivery that
/// ``SessionRuntime`` gives its `run`, so the two are built apart and neither holds the other.
struct SessionObserver: Sendable {
    let lookup: SessionLookup
    let ledger: SessionLedger
    let recorder: SessionRecorder
    let ender: SessionEnder
    let agents: AgentWatch
    let time: TimeSource
    let logger: Logger

    /// Records one observation of session `id`; one being ended or no longer live is left alone.
    func record(_ id: String, _ observation: OutputPoller.Observation) async {
        guard !ledger.isEnding(id), let session = lookup.live(id) else { return }
        do {
            switch observation {
            case .screenChanged(let screen):
                await agents.screen(id, screen: screen, agent: session.record.activeAgent)
                recorder.announce(.outputChanged(sessionID: id, screen: screen))
                let now = time.wallNow
                try await recorder.update(id, persist: .throttled) {
                    $0.lastActivity = now
                    $0.status = .active
                }
            case .screenUnchanged(let screen):
                await agents.screen(id, screen: screen, agent: session.record.activeAgent, unchanged: true)
            case .directoryChanged(let path):
                recorder.announce(.directoryChanged(sessionID: id, path: path))
                try await recorder.update(id) { $0.workingDirectory = path }
            case .becameIdle:
                try await recorder.update(id) { $0.status = .idle }
            case .exited(let screen, let exitStatus):
                try await ender.processExited(session, finalScreen: screen, exitStatus: exitStatus)
            }
        } catch {
            logger.error("cannot record a session change; the daemon keeps serving", metadata: ["session.id": "\(id)", "error": "\(error)"])
        }
    }
}
