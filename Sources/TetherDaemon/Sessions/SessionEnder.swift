import Logging
import TetherCore
import TetherTerminal

/// Ends sessions: on request (``close(_:)``: status `closed`) or when their process exits
/// (``processExited(_:finalScreen:exitStatus:)``: status `exited`, with the exit status and reason).
///
/// Either way the session keeps its final screen, its scope (every process it started) is stopped,
/// its tmux session killed, its TMPDIR and per-session state removed, and its row kept. The ledger
/// makes a close and an exit seen at the same moment end it once.
struct SessionEnder: Sendable {
    let lookup: SessionLookup
    let ledger: SessionLedger
    let recorder: SessionRecorder
    let accountant: SessionAccountant
    let poller: OutputPoller
    let bridge: TerminalBridge
    let scopes: SessionScopeController
    let temp: SessionTempDirectory
    let files: BlockingWorker
    let settings: LiveConfiguration
    let time: TimeSource
    let logger: Logger

    /// Ends a live session on request; closing an ended session returns it as it is.
    func close(_ id: String) async throws -> Session {
        guard let session = lookup.live(id) else { return try await lookup.ended(id) }
        guard ledger.beginEnding(id) else { return session }
        defer { ledger.finishEnding(id) }
        // Re-read: it may have ended between the look and the mark.
        guard lookup.live(id) != nil else { return try await lookup.ended(id) }
        poller.stop(sessionID: id)
        let name = session.record.tmuxSessionName
        let final = try? await bridge.capture(name, historyLines: settings.current.limits.captureHistoryLines)
        await scopes.stop(sessionID: id)
        do {
            try await bridge.kill(name)
        } catch {
            poller.start(sessionID: id, tmuxName: name, directory: session.record.workingDirectory)
            throw error
        }
        let ended = try await end(id, session, status: .closed, finalScreen: final.map(TranscriptReader.trimTrailingBlankLines), exitStatus: nil)
        logger.info("session closed", metadata: ["session.id": "\(id)", "tmux.session": "\(name)"])
        return ended
    }

    /// Ends a session whose process exited (the poller saw its pane dead or its tmux session gone).
    func processExited(_ session: Session, finalScreen screen: String, exitStatus: Int?) async throws {
        let id = session.id
        guard ledger.beginEnding(id) else { return }
        defer { ledger.finishEnding(id) }
        guard lookup.live(id) != nil else { return }
        let reason = await scopes.exitReason(sessionID: id, exitStatus: exitStatus)
        // The dead pane stays (remain-on-exit) until killed; what it left running goes with its scope.
        await scopes.stop(sessionID: id)
        try? await bridge.kill(session.record.tmuxSessionName)
        recorder.announce(.processExited(sessionID: id, screen: screen, exitStatus: exitStatus))
        _ = try await end(id, session, status: .exited, finalScreen: TranscriptReader.trimTrailingBlankLines(screen),
                          exitStatus: exitStatus, exitReason: reason)
        logger.info("session exited", metadata: [
            "session.id": "\(id)", "tmux.session": "\(session.record.tmuxSessionName)",
            "exit_status": "\(exitStatus.map(String.init) ?? "unknown")", "exit_reason": "\(reason ?? "unknown")",
        ])
    }

    /// Removes what the session held here, then records its end: cache, store, bus.
    private func end(_ id: String, _ session: Session, status: SessionStatus, finalScreen: String?,
                     exitStatus: Int?, exitReason: String? = nil) async throws -> Session {
        accountant.forget(id)
        await temp.remove(for: id, on: files)
        let closedAt = time.wallNow
        return try await recorder.recordEnded(id, fallback: session) {
            $0.status = status
            $0.closedAt = closedAt
            if let finalScreen { $0.finalScreen = finalScreen }
            $0.exitStatus = exitStatus
            if let exitReason { $0.exitReason = exitReason }
        }
    }
}
