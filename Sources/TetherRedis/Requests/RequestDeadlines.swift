/// How long a requester waits for each command's reply (PROTOCOL.md §2), from the `XADD` of the
/// request to the reply read from `output:{id}`.
public enum RequestDeadlines {
    /// Listings and `get_computer_info`: the Python daemon's 3 s. They read local state only, so a
    /// healthy peer answers in milliseconds; 3 s covers a busy one without holding up a fan-out (and
    /// the API call waiting on it) for long, and matches what Python requesters allow.
    public static let listing: Duration = .seconds(3)
    /// Session commands (`new_session`, `get_session_data`, `end_session`): the Python daemon's 5 s.
    /// They start or stop processes and read transcripts on the host, which takes longer than a listing.
    public static let sessionCommand: Duration = .seconds(5)
    /// `message` and key presses: Python requesters send them without waiting, but Tether waits for
    /// the reply to report whether the text arrived; typing into tmux is a session command's cost,
    /// so the same 5 s.
    public static let input: Duration = .seconds(5)
    /// `agent_restart`: the host presses Ctrl-C pairs until the agent exits (at most three rounds
    /// of up to 3 s each on a Tether host, SessionSteering) before it types the resume, so 5 s
    /// would give up on a restart still under way; 12 s covers the host's worst case and a little
    /// more. A Python host replies at once.
    public static let agentRestart: Duration = .seconds(12)

    /// The deadline PROTOCOL.md §2 gives `command`.
    public static func deadline(for command: PeerCommand) -> Duration {
        switch command {
        case .listSessions, .listProjects, .listTodos, .getComputerInfo, .stopNotifications: listing
        case .message, .key, .answer: input
        case .restartAgent: agentRestart
        default: sessionCommand
        }
    }
}
