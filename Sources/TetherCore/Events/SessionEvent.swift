/// What happens to sessions, as the event bus carries it.
public enum SessionEvent: Sendable {
    /// A session was created (its first live version).
    case created(Session)
    /// A session's record changed: status, activity, directory, title.
    case updated(Session)
    /// A session ended (exited or closed); its final version.
    case ended(Session)
    /// The visible screen differs from the last poll.
    case outputChanged(sessionID: String, screen: String)
    /// The pane's working directory changed.
    case directoryChanged(sessionID: String, path: String)
    /// The pane's process ended; `screen` is the final screen with its history.
    case processExited(sessionID: String, screen: String, exitStatus: Int?)
    /// A text sent to the session was queued, delivered or failed (its receipt).
    case inputChanged(InputReceipt)

    public var sessionID: String {
        switch self {
        case .created(let session), .updated(let session), .ended(let session): session.id
        case .outputChanged(let id, _), .directoryChanged(let id, _), .processExited(let id, _, _): id
        case .inputChanged(let receipt): receipt.sessionID
        }
    }

    /// A short name for logs and metrics.
    public var name: String {
        switch self {
        case .created: "session_created"
        case .updated: "session_updated"
        case .ended: "session_ended"
        case .outputChanged: "output_changed"
        case .directoryChanged: "directory_changed"
        case .processExited: "process_exited"
        case .inputChanged: "input_updated"
        }
    }
}
