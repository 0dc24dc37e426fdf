/// The other computers on Redis, as the API and the WebSocket hub reach them: the port the Redis
/// adapter implements (``SessionCommands`` is this computer's, this is everyone else's).
///
/// Every call is bounded by the deadline PROTOCOL.md §2 gives its command (3 s for listings and
/// `get_computer_info`, 5 s for session commands); calls that ask several peers ask them
/// concurrently under one deadline, so one silent peer delays nobody. Errors are ``TetherError``s:
/// `.notFound` for a computer that is not online or a session its host does not know,
/// `.unavailable` when Redis is unreachable or the peer did not answer in time, `.invalidRequest`
/// when the peer refused the request (its message is the peer's, which never holds a secret).
public protocol PeerGateway: Sendable {
    /// The online peers (never this computer) with what they last reported of themselves,
    /// `systemStats` included when a peer answered `get_computer_info`; sorted by name.
    func computers() async -> [ComputerInfo]

    /// True when `computer` is an online peer.
    func isOnline(_ computer: String) -> Bool

    /// The computer hosting the remote session `sessionID`, as the session cache knows it; nil for
    /// a session no peer reported (it may be local, or unknown).
    func host(ofSession sessionID: String) -> String?

    /// The live sessions of `computer` (every online peer when nil): from the session cache while
    /// fresh, else asked with `list_sessions`, all peers under one deadline; a peer that does not
    /// answer in time is left out (and logged), never waited for.
    func sessions(of computer: String?) async -> [Session]

    /// The trusted dirs of `computer` (every online peer when nil), by computer, from the cache
    /// while fresh, else asked with `list_projects` under one deadline.
    func projects(of computer: String?) async -> [(computer: String, projects: [Project])]

    /// `new_session` on `computer`; the session as the host reports it once created.
    func newSession(on computer: String, _ request: NewSessionRequest) async throws -> RemoteSessionCreated

    /// `message` to a session of `computer`: the text arrives byte for byte.
    func sendMessage(on computer: String, sessionID: String, text: String) async throws

    /// A key (API names: `enter`, `escape`, `ctrl_c`, `key_up`, ...) pressed `count` times.
    func sendKeys(on computer: String, sessionID: String, key: String, count: Int) async throws

    /// `get_session_data` with the last `tailChars` characters (0: all).
    func sessionOutput(on computer: String, sessionID: String, tailChars: Int) async throws -> SessionOutput

    /// `end_session` (a Python host, which has no handler for it, gets `session_terminated`).
    func endSession(on computer: String, sessionID: String) async throws

    /// The screen of a remote session as it changes, until the returned stream's consumer stops
    /// iterating (its termination ends the watch). Between Tether daemons the host writes screens
    /// to a stream of Tether's own while watched; a Python host is polled with `get_session_data`.
    func watchScreen(on computer: String, sessionID: String) -> AsyncStream<RemoteScreen>

    /// `stop_notification` (`text`: the session's title) or `input_notification` (`text`: the
    /// question) to `computer` about this computer's session `sessionID`, sent without reading a
    /// reply (PROTOCOL.md §2); throws when `computer` is not online or Redis is unreachable.
    func sendAgentNotice(on computer: String, sessionID: String, kind: AgentNoticeKind, text: String?) async throws

    /// `agent_restart [agent]` to a session of `computer`: its agent (the session's own when nil;
    /// else claude, gemini or codex, the names the wire knows) is stopped and resumes its conversation.
    func restartAgent(on computer: String, sessionID: String, agent: String?) async throws

    /// `answer <choice>` (Tether's own command) to a session of `computer`: the choice numbered
    /// `choice` of its agent's open dialog; the host's refusal (no dialog, no such choice) is
    /// `.invalidRequest` with its reason, and a host that cannot answer dialogs (a Python daemon) says so.
    func answer(on computer: String, sessionID: String, choice: Int) async throws
}

extension PeerGateway {
    /// A gateway without notices (test doubles) says so.
    public func sendAgentNotice(on computer: String, sessionID: String, kind: AgentNoticeKind, text: String?) async throws {
        throw TetherError(.unavailable, "agent notices to \(computer) are not supported by this gateway")
    }

    /// A gateway without agent commands (test doubles) says so.
    public func restartAgent(on computer: String, sessionID: String, agent: String?) async throws {
        throw TetherError(.unavailable, "agent restarts on \(computer) are not supported by this gateway")
    }

    /// A gateway without agent commands (test doubles) says so.
    public func answer(on computer: String, sessionID: String, choice: Int) async throws {
        throw TetherError(.unavailable, "answering dialogs on \(computer) is not supported by this gateway")
    }
}

/// What an agent notice tells: its turn ended (`stop_notification`) or it asks for input (`input_notification`).
public enum AgentNoticeKind: String, Sendable, Equatable {
    case turnEnded, needsInput
}

/// What `new_session` on a peer answers.
public struct RemoteSessionCreated: Sendable {
    public var sessionID: String
    public var tmuxSessionName: String
    /// The host's summary when it was already known (a Tether host pushes it at once); else nil.
    public var session: Session?

    public init(sessionID: String, tmuxSessionName: String, session: Session? = nil) {
        self.sessionID = sessionID
        self.tmuxSessionName = tmuxSessionName
        self.session = session
    }
}

/// One screen of a remote session as its host captured it, or the end of the session.
public enum RemoteScreen: Sendable, Equatable {
    case screen(String)
    /// The session ended on its host (or the host left): nothing more will come.
    case ended(status: String)
}
