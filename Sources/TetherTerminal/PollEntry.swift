import Logging
import TetherCore

/// One session's place in the ``OutputPoller``'s table: its schedule and what the last poll saw.
///
/// A value without I/O: ``record(_:at:settings:)`` turns one poll result into the observations to
/// deliver, a log note, or the end of the session's schedule, so the scheduler only moves values.
struct PollEntry {
    /// How long after a change an unchanged screen is still delivered (``OutputPoller/Observation/screenUnchanged(_:)``):
    /// longer than an agent reader's idle hold (three polls) plus the 3 s it trusts a hook over the
    /// screen, short enough that a quiet session costs nothing more once it has settled.
    static let settleWindow: Duration = .seconds(10)

    /// Why a session's schedule ended at this poll.
    enum Ending {
        /// The tmux session is gone (server killed, session killed from outside).
        case vanished
        /// The pane's process has exited; the pane stays (remain-on-exit) with its last screen.
        case died(PaneSnapshot)
    }

    /// What one poll means for the session.
    struct Outcome {
        var observations: [OutputPoller.Observation] = []
        var note: (level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata)?
        var ending: Ending?
    }

    let sessionID: String
    let generation: UInt64
    let tmuxName: String
    var schedule: PollSchedule
    var settings: OutputPoller.Settings
    var due: Duration
    var previousScreen: String?
    var previousPath: String?
    var lastChange: Duration
    var idleReported = false
    var failing = false

    init(sessionID: String, generation: UInt64, tmuxName: String, settings: OutputPoller.Settings, directory: String?, now: Duration) {
        self.sessionID = sessionID
        self.generation = generation
        self.tmuxName = tmuxName
        self.schedule = settings.schedule
        self.settings = settings
        self.due = now
        self.previousPath = directory
        self.lastChange = now
    }

    /// Applies one poll result seen at `now`, with the polling settings of this round (a reload
    /// applies at once), and sets when the session is due next.
    mutating func record(_ result: Result<PaneSnapshot?, TetherError>, at now: Duration, settings latest: OutputPoller.Settings) -> Outcome {
        if latest != settings {
            settings = latest
            schedule = latest.schedule
        }
        var outcome = Outcome()
        switch result {
        case .failure(let error):
            schedule.pollFailed()
            outcome.note = (failing ? .debug : .warning, "poll failed; backing off", [
                "session.id": "\(sessionID)", "tmux.session": "\(tmuxName)", "error": "\(error)",
                "retry_ms": "\(schedule.nextDelay.milliseconds)",
            ])
            failing = true
        case .success(nil):
            outcome.ending = .vanished
            return outcome
        case .success(let snapshot?) where snapshot.pane.dead:
            outcome.ending = .died(snapshot)
            return outcome
        case .success(let snapshot?):
            if failing {
                outcome.note = (.info, "poll recovered", ["session.id": "\(sessionID)", "tmux.session": "\(tmuxName)"])
                failing = false
            }
            outcome.observations = observe(snapshot, at: now)
        }
        due = now + schedule.nextDelay
        return outcome
    }

    private mutating func observe(_ snapshot: PaneSnapshot, at now: Duration) -> [OutputPoller.Observation] {
        var observations: [OutputPoller.Observation] = []
        if snapshot.screen != previousScreen {
            previousScreen = snapshot.screen
            lastChange = now
            idleReported = false
            schedule.screenChanged()
            observations.append(.screenChanged(snapshot.screen))
        } else {
            schedule.screenUnchanged()
            if now - lastChange <= Self.settleWindow, let screen = previousScreen { observations.append(.screenUnchanged(screen)) }
            if !idleReported, now - lastChange >= SessionStatus.idleAfter {
                idleReported = true
                observations.append(.becameIdle)
            }
        }
        let path = snapshot.pane.currentPath
        if !path.isEmpty, path != previousPath {
            previousPath = path
            observations.append(.directoryChanged(path))
        }
        return observations
    }
}
