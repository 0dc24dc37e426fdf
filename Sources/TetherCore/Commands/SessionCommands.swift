import Foundation

/// What a new session needs; every field may be absent.
public struct NewSessionRequest: Sendable {
    public var workingDirectory: String?
    /// An agent named in `agents.*`: its command is started in the session's shell.
    public var agent: String?
    public var thinkingMode: String?
    public var title: String?
    /// The agent's first prompt, or (without an agent) a first line typed into the shell.
    public var message: String?
    /// Where the request came from: `rest`, `redis`, `terminal`, ...
    public var origin: String
    public var initiatorSessionID: String?
    /// The computer that asked for the session over Redis (the request's `initiator`): its
    /// `target_computer`, where the agent's notices go (PROTOCOL.md §3).
    public var initiatorComputer: String?

    public init(workingDirectory: String? = nil, agent: String? = nil, thinkingMode: String? = nil, title: String? = nil,
                message: String? = nil, origin: String = "rest", initiatorSessionID: String? = nil, initiatorComputer: String? = nil) {
        self.initiatorComputer = initiatorComputer
        self.workingDirectory = workingDirectory
        self.agent = agent
        self.thinkingMode = thinkingMode
        self.title = title
        self.message = message
        self.origin = origin
        self.initiatorSessionID = initiatorSessionID
    }
}

/// The daemon's commands, as the API and (later) the Redis adapter call them. Implemented once, by
/// the daemon's command layer; errors are ``TetherError``s (`.notFound` for an unknown session,
/// `.invalidRequest` for a request that cannot be honoured, with a message saying why).
public protocol SessionCommands: Sendable {
    func newSession(_ request: NewSessionRequest) async throws -> Session
    func sendMessage(sessionID: String, text: String, adapter: String) async throws
    func sendKeys(sessionID: String, key: String, count: Int) async throws
    /// Live sessions of this computer, newest activity first.
    func listSessions() async -> [Session]
    /// Ended sessions of this computer with one of `statuses`, newest activity first, at most `limit`.
    func endedSessions(statuses: Set<SessionStatus>, limit: Int) async throws -> [Session]
    /// A session of this computer, live or ended.
    func session(_ id: String) async throws -> Session
    func listProjects() -> [Project]
    func computerInfo() async -> (info: ComputerInfo, stats: SystemStats)
    @discardableResult
    func endSession(sessionID: String) async throws -> Session
    /// The transcript, last `tailChars` characters (0: all).
    func sessionOutput(sessionID: String, tailChars: Int) async throws -> (session: Session, messages: String)
    /// The transcript's messages from `since` to `until` (ISO times, nil: open), last `tailChars` characters.
    func sessionOutput(sessionID: String, tailChars: Int, since: String?, until: String?) async throws -> (session: Session, messages: String)
    /// The current screen of a live session (with `historyLines` of scrollback).
    func screen(sessionID: String, historyLines: Int) async throws -> String
    /// `cd`: the session's shell changes to `path` (nil: the configured default directory).
    func changeDirectory(sessionID: String, path: String?) async throws
    /// `agent`: starts `agent` (a configured one) in the session's shell with `arguments`.
    func startAgent(sessionID: String, agent: String, thinkingMode: String?, arguments: [String]) async throws
    /// `agent_resume`: the agent (the session's own when nil) continues its last conversation.
    func resumeAgent(sessionID: String, agent: String?) async throws
    /// `agent_restart`: the running agent is interrupted, then resumed.
    func restartAgent(sessionID: String, agent: String?) async throws
    /// `rename`: the session's title becomes `[{computer}] words`.
    func rename(sessionID: String, words: String) async throws
    /// `list_todos`: the roadmap of a trusted dir (`[]` for any other path).
    func todos(project: String) async throws -> [TodoItem]
    /// An agent CLI's hook event in a session of this computer (`tether hook`): `payload` is the
    /// event's JSON as the agent gave it, `token` the session's hook token it came with (a hook
    /// without the session's own is refused, `forbidden`).
    func agentHook(sessionID: String, agent: String, event: String, payload: [UInt8], token: String?) async throws
    /// Answers the dialog a session's agent has open with the choice numbered `choice`.
    func answer(sessionID: String, choice: Int) async throws
    /// A peer's `stop_notification` / `input_notification` about its session `sessionID`: typed
    /// into the local sessions that started it. Returns at once (delivery runs on its own), never
    /// fails and never forwards it further (PROTOCOL.md §9 defect 6).
    func receiveAgentNotice(sessionID: String, from computer: String, kind: AgentNoticeKind, text: String?) async
    /// ``sendMessage(sessionID:text:adapter:)`` with its receipt: `queued` for an agent that
    /// cannot take it yet, else how it went.
    func submitMessage(sessionID: String, text: String, adapter: String) async throws -> InputReceipt
    /// The receipt of a text sent earlier, while it is remembered.
    func inputReceipt(_ inputID: String) async -> InputReceipt?
}

extension SessionCommands {
    /// A command layer that cannot steer sessions (test doubles) says so.
    public func changeDirectory(sessionID: String, path: String?) async throws { throw Self.unsupported("cd") }
    public func startAgent(sessionID: String, agent: String, thinkingMode: String?, arguments: [String]) async throws {
        throw Self.unsupported("agent")
    }
    public func resumeAgent(sessionID: String, agent: String?) async throws { throw Self.unsupported("agent_resume") }
    public func restartAgent(sessionID: String, agent: String?) async throws { throw Self.unsupported("agent_restart") }
    public func rename(sessionID: String, words: String) async throws { throw Self.unsupported("rename") }
    public func todos(project: String) async throws -> [TodoItem] { [] }
    public func agentHook(sessionID: String, agent: String, event: String, payload: [UInt8], token: String?) async throws {
        throw Self.unsupported("agent hooks")
    }
    public func answer(sessionID: String, choice: Int) async throws { throw Self.unsupported("answer") }
    public func receiveAgentNotice(sessionID: String, from computer: String, kind: AgentNoticeKind, text: String?) async {}
    public func submitMessage(sessionID: String, text: String, adapter: String) async throws -> InputReceipt {
        try await sendMessage(sessionID: sessionID, text: text, adapter: adapter)
        return InputReceipt(inputID: UUID().uuidString.lowercased(), sessionID: sessionID, state: .delivered)
    }
    public func inputReceipt(_ inputID: String) async -> InputReceipt? { nil }

    private static func unsupported(_ command: String) -> TetherError {
        TetherError(.unavailable, "\(command) is not supported by this command layer")
    }
}

extension SessionCommands {
    /// For a command layer without times on its transcript: `since` and `until` are not applied.
    public func sessionOutput(sessionID: String, tailChars: Int, since: String?, until: String?) async throws -> (session: Session, messages: String) {
        try await sessionOutput(sessionID: sessionID, tailChars: tailChars)
    }
}
