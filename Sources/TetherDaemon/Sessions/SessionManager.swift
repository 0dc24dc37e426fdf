import TetherCore
import TetherTerminal

/// The front door to this computer's sessions, as the command layer calls it: each call goes to the
/// part that does that job (``SessionCreator``, ``SessionInputSender``, ``TranscriptReader``,
/// ``SessionEnder``), and reads come from the cache (live sessions) and the store (ended ones).
///
/// It holds no state of its own: what is live is in the cache, what is being created or ended in the
/// ``SessionLedger``, and every change goes through the ``SessionRecorder``.
public struct SessionManager: Sendable {
    let lookup: SessionLookup
    let creator: SessionCreator
    let input: SessionInputSender
    let transcripts: TranscriptReader
    let ender: SessionEnder
    let steering: SessionSteering
    let hooks: AgentHookReceiver
    let hookTokens: AgentHookTokens

    /// Creates a session; validates the directory, the agent and `limits.max_sessions` first, so a
    /// refused request creates nothing.
    public func create(_ request: NewSessionRequest) async throws -> Session {
        try await creator.create(request)
    }

    /// Types `text` into a live session and presses Enter.
    @discardableResult
    public func sendMessage(_ id: String, _ text: String, adapter: String) async throws -> InputReceipt {
        try await input.sendMessage(id, text, adapter: adapter)
    }

    /// The receipt of a text sent earlier, while it is remembered.
    public func inputReceipt(_ inputID: String) -> InputReceipt? {
        input.queue?.receipt(inputID)
    }

    /// Presses `key` `count` times in a live session.
    public func sendKey(_ id: String, _ key: TerminalKey, count: Int) async throws {
        try await input.sendKey(id, key, count: count)
    }

    /// Live sessions on this computer, newest activity first (async as callers await it with the rest).
    public func liveSessions() async -> [Session] {
        lookup.liveSessions()
    }

    /// Ended sessions of this computer, from the store.
    public func endedSessions(statuses: Set<SessionStatus>, limit: Int) async throws -> [Session] {
        try await lookup.endedSessions(statuses: statuses, limit: limit)
    }

    /// A session of this computer, live or ended; throws not-found naming the id.
    public func session(_ id: String) async throws -> Session {
        try await lookup.session(id)
    }

    /// The screen of a live session, with `historyLines` of scrollback.
    public func screen(_ id: String, historyLines: Int) async throws -> String {
        try await transcripts.screen(id, historyLines: historyLines)
    }

    /// The session's transcript, its last `tailChars` characters (0: all), the agent's messages
    /// from `since` to `until` (ISO times) when it has a transcript file.
    public func transcript(_ id: String, tailChars: Int, since: String? = nil, until: String? = nil) async throws -> String {
        try await transcripts.transcript(id, tailChars: tailChars, since: since, until: until)
    }

    /// Ends a live session (status `closed`); closing an ended session returns it as it is.
    @discardableResult
    public func close(_ id: String) async throws -> Session {
        try await ender.close(id)
    }

    /// An agent's hook event in a live session (`tether hook`), taken only with the session's own
    /// hook token; a hook for a session that is not live goes on to be counted late or unknown.
    public func agentHook(_ id: String, agent: String, event: String, payload: [UInt8], token: String?) async throws {
        if lookup.live(id) != nil { try await hookTokens.verify(token, sessionID: id) }
        try await hooks.receive(sessionID: id, agent: agent, event: event, payload: payload)
    }

    /// Answers the open dialog of a live session's agent by its choice's number.
    public func answer(_ id: String, choice: Int) async throws {
        try await input.answer(id, choice: choice)
    }

    /// `cd`, `agent`, `agent_resume`, `agent_restart` and `rename` of a live session.
    public var steer: SessionSteeringCommands { SessionSteeringCommands(steering: steering) }
}

/// The steering commands of ``SessionManager``, for the command layer.
public struct SessionSteeringCommands: Sendable {
    let steering: SessionSteering

    public func changeDirectory(_ id: String, to path: String?) async throws { try await steering.changeDirectory(id, to: path) }
    public func startAgent(_ id: String, agent: String, mode: String?, arguments: [String]) async throws {
        try await steering.startAgent(id, agent: agent, mode: mode, arguments: arguments)
    }
    public func resumeAgent(_ id: String, agent: String?) async throws { try await steering.resumeAgent(id, agent: agent) }
    public func restartAgent(_ id: String, agent: String?) async throws { try await steering.restartAgent(id, agent: agent) }
    public func rename(_ id: String, words: String) async throws { try await steering.rename(id, words: words) }
}
