import TetherCore

/// A command of `messages:{computer}` (PROTOCOL.md §3), typed: what the command layer runs for a peer.
public enum PeerCommand: Sendable, Equatable {
    /// The description is the arguments joined by spaces, else `Untitled`.
    case newSession(description: String)
    case listSessions
    case listProjects
    /// No path: the answer is `[]`.
    case listTodos(projectPath: String?)
    case getComputerInfo
    /// `sessionID` is the sender's session; the title arrives Base64-encoded.
    case stopNotification(sessionID: String, sourceComputer: String, title: String?)
    case inputNotification(sessionID: String, sourceComputer: String, message: String)
    case getSessionData(SessionDataRange)
    /// The arguments joined by single spaces.
    case message(text: String)
    case changeDirectory(DirectoryTarget)
    case startAgent(AgentStart)
    /// `agent_resume [agent]`, or `claude_resume` & co with the agent in the name.
    case resumeAgent(agent: PeerAgent?)
    case restartAgent(agent: PeerAgent?)
    case key(KeyPress)
    /// The title becomes `[{computer}] words`.
    case rename(words: String)
    /// `end_session [session id]` (Python peers answer `NO_HANDLER`, §9 defect 5).
    case endSession(sessionID: String?)
    /// `session_terminated`, with the `session_id` field: the one remote kill a baseline peer honours.
    case sessionTerminated
    /// `stop_notifications <session id> [caller id]`: the caller stops listening to that session.
    case stopNotifications(sessionID: String, callerID: String?)
    /// `watch_screen [lease seconds]` with the `session_id` field: Tether's own (a Python host
    /// answers `NO_HANDLER`). The host writes the session's screens to ``ScreenStream`` while the
    /// lease holds; nil asks for ``ScreenStream/defaultLease``, 0 releases the sender's lease.
    case watchScreen(leaseSeconds: Int?)
    /// `answer <choice>` with the `session_id` field: Tether's own (a Python host answers
    /// `NO_HANDLER`). The host types the choice into the agent's open dialog, refusing a session
    /// not waiting on one or a number the dialog does not offer.
    case answer(choice: Int)
    /// A name without a handler: answer with ``ReplyEnvelope/noHandler(for:)``.
    case unknown(name: String)

    /// Where `cd` goes.
    public enum DirectoryTarget: Sendable, Equatable {
        /// No argument: list the trusted directories.
        case listTrusted
        /// `TC WORKDIR`: the configured default directory.
        case defaultDirectory
        case path(String)

        /// The words that mean ``defaultDirectory``.
        public static let defaultDirectoryWords = "TC WORKDIR"
    }

    /// The wire name: the first word of the command line.
    public var name: String {
        switch self {
        case .newSession: "new_session"
        case .listSessions: "list_sessions"
        case .listProjects: "list_projects"
        case .listTodos: "list_todos"
        case .getComputerInfo: "get_computer_info"
        case .stopNotification: "stop_notification"
        case .inputNotification: "input_notification"
        case .getSessionData: "get_session_data"
        case .message: "message"
        case .changeDirectory: "cd"
        case .startAgent: "agent"
        case .resumeAgent: "agent_resume"
        case .restartAgent: "agent_restart"
        case .key(let press): press.key.rawValue
        case .rename: "rename"
        case .endSession: "end_session"
        case .sessionTerminated: "session_terminated"
        case .stopNotifications: "stop_notifications"
        case .watchScreen: "watch_screen"
        case .answer: "answer"
        case .unknown(let name): name
        }
    }

    /// Whether the request must carry a `session_id` of a session that exists here (the `*` rows of §3).
    public var requiresSession: Bool {
        switch self {
        case .getSessionData, .message, .changeDirectory, .startAgent, .resumeAgent, .restartAgent, .key, .rename,
             .sessionTerminated, .watchScreen, .answer:
            true
        case .newSession, .listSessions, .listProjects, .listTodos, .getComputerInfo, .stopNotification,
             .inputNotification, .endSession, .stopNotifications, .unknown:
            false
        }
    }

    /// Whether the Python daemon answers this command at all; a requester should not wait for a
    /// reply to the others (§2: `/cd`, `/agent`, `message`, notifications are sent without reading one).
    public var expectsReply: Bool {
        switch self {
        case .newSession, .listSessions, .listProjects, .listTodos, .getComputerInfo, .getSessionData, .endSession,
             .sessionTerminated, .stopNotifications, .watchScreen, .answer:
            true
        default:
            false
        }
    }
}

/// The agents a session can run.
public enum PeerAgent: String, Sendable, CaseIterable {
    case claude, gemini, codex
}

/// The thinking modes of `agent`; `deep` is Codex's only.
public enum ThinkingMode: String, Sendable, CaseIterable {
    case fast, med, slow, deep
}

/// `agent <agent> [mode] [prompt/flags…]` and its aliases `claude …`, `gemini …`, `codex …`.
public struct AgentStart: Sendable, Equatable {
    public var agent: PeerAgent
    public var mode: ThinkingMode?
    /// The words after the mode, as sent (the prompt and flags for the agent's command line).
    public var arguments: [String]

    public init(agent: PeerAgent, mode: ThinkingMode? = nil, arguments: [String] = []) {
        self.agent = agent
        self.mode = mode
        self.arguments = arguments
    }
}
