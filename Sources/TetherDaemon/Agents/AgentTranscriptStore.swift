import Synchronization
import TetherCore

/// What the daemon remembers about agent transcripts between hooks and reads: each session's last
/// turn end from its Stop hook (the final text, which the file may not have yet), and which files
/// have had their malformed lines reported (once per file, not per read).
final class AgentTranscriptStore: Sendable {
    /// Sessions whose last turn end is kept: more than the live sessions a computer runs
    /// (`limits.max_sessions`), so none is forgotten while live, and bounded however many come and go.
    static let capacity = 1024

    private struct State {
        var turnEnds = BoundedDictionary<String, AgentTurnEnd>(capacity: AgentTranscriptStore.capacity)
        var reportedFiles = BoundedDictionary<String, Bool>(capacity: AgentTranscriptStore.capacity)
    }

    private let state = Mutex(State())
    private let time: TimeSource

    init(time: TimeSource) {
        self.time = time
    }

    /// A Stop hook of `sessionID` carried the turn's final `text`; kept with the time it arrived.
    func turnEnded(_ sessionID: String, text: String) {
        let end = AgentTurnEnd(text: text, at: time.wallNow)
        state.withLock { $0.turnEnds[sessionID] = end }
    }

    /// The last turn end a Stop hook reported for `sessionID`.
    func turnEnd(_ sessionID: String) -> AgentTurnEnd? {
        state.withLock { $0.turnEnds.peek(sessionID) }
    }

    /// True the first time it is asked for `path`: its malformed lines are reported then only.
    func firstReport(of path: String) -> Bool {
        state.withLock { state in
            guard state.reportedFiles.peek(path) == nil else { return false }
            state.reportedFiles[path] = true
            return true
        }
    }
}
