import Logging
import TetherCore

extension OutputPoller {
    /// A session whose schedule ended at a poll, waiting for its exit to be gathered and delivered.
    struct PendingExit: Sendable {
        let sessionID: String
        let tmuxName: String
        /// The dead pane's last poll; nil when the session vanished.
        let snapshot: PaneSnapshot?
        /// The last screen seen before, the only one left of a vanished session.
        let previousScreen: String?

        init(entry: PollEntry, snapshot: PaneSnapshot?) {
            sessionID = entry.sessionID
            tmuxName = entry.tmuxName
            self.snapshot = snapshot
            previousScreen = entry.previousScreen
        }
    }

    /// Gathers an ended session's final screen (with history) and exit status, and delivers the exit.
    func deliverExit(_ exit: PendingExit, _ deliver: Delivery) async {
        guard let snapshot = exit.snapshot else {
            logger.debug("tmux session vanished", metadata: ["session.id": "\(exit.sessionID)", "tmux.session": "\(exit.tmuxName)"])
            await deliver(exit.sessionID, .exited(finalScreen: exit.previousScreen ?? "", exitStatus: nil))
            return
        }
        let history = (try? await bridge.capture(exit.tmuxName, historyLines: historyLines())) ?? snapshot.screen
        let status = await exitStatus(of: exit.tmuxName, pane: snapshot.pane)
        await deliver(exit.sessionID, .exited(finalScreen: history, exitStatus: status))
    }

    /// tmux 3.3 sometimes leaves a pane's process unreaped (a zombie) for good when it exits right
    /// after starting; the kernel still has its exit code then, so that is read instead.
    private func exitStatus(of tmuxName: String, pane: PaneState) async -> Int? {
        if let known = pane.exitStatus { return known }
        let deadline = time.now + Self.exitStatusWait
        while time.now < deadline {
            do { try await time.sleep(for: Self.exitStatusRetry) } catch { return nil }
            if let status = (try? await bridge.paneState(tmuxName))??.exitStatus { return status }
        }
        return pane.pid.flatMap { ProcessTable.exitStatus(ofZombie: $0) }
    }
}
