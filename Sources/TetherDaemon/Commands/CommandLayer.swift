import TetherCore
import TetherTerminal

/// The daemon's commands, implemented once: the API and the Redis adapter translate their requests
/// into these calls and these results into their wire formats (the JSON helpers below give the
/// PROTOCOL.md shapes, splicing each session's cached summary bytes).
public struct CommandLayer: SessionCommands {
    let manager: SessionManager
    let settings: LiveConfiguration
    let stats: SystemStatsReader
    let hostName: String
    /// Reads roadmaps off the cooperative pool.
    let files: BlockingWorker
    /// Types peers' agent notices into the local sessions waiting on them.
    let notices: AgentNotifier

    /// `new_session`: an agent CLI started in a shell when `agent` is given, else a plain shell.
    public func newSession(_ request: NewSessionRequest) async throws -> Session {
        try await manager.create(request)
    }

    /// `message`: types the text and presses Enter.
    public func sendMessage(sessionID: String, text: String, adapter: String) async throws {
        _ = try await submitMessage(sessionID: sessionID, text: text, adapter: adapter)
    }

    public func submitMessage(sessionID: String, text: String, adapter: String) async throws -> InputReceipt {
        guard !text.isEmpty else {
            throw TetherError(.invalidRequest, "the message for session \(sessionID) is empty; send at least one character")
        }
        return try await manager.sendMessage(sessionID, text, adapter: adapter)
    }

    public func inputReceipt(_ inputID: String) async -> InputReceipt? {
        manager.inputReceipt(inputID)
    }

    /// `cancel`, `escape`, `tab`, `key_up`, ...: presses a key `count` times.
    public func sendKeys(sessionID: String, key: String, count: Int = 1) async throws {
        guard let parsed = TerminalKey(name: key) else {
            throw TetherError(.invalidRequest, "unknown key \(key); use enter, escape, tab, shift_tab, backspace, key_up, key_down, key_left, key_right, cancel, kill or ctrl_<letter>")
        }
        try await manager.sendKey(sessionID, parsed, count: count)
    }

    /// `list_sessions`: the live sessions of this computer, newest activity first.
    public func listSessions() async -> [Session] {
        await manager.liveSessions()
    }

    public func endedSessions(statuses: Set<SessionStatus>, limit: Int) async throws -> [Session] {
        try await manager.endedSessions(statuses: statuses, limit: limit)
    }

    public func session(_ id: String) async throws -> Session {
        try await manager.session(id)
    }

    public func screen(sessionID: String, historyLines: Int) async throws -> String {
        try await manager.screen(sessionID, historyLines: max(0, historyLines))
    }

    /// `list_projects`: the trusted dirs.
    public func listProjects() -> [Project] {
        settings.current.computer.trustedDirs.map { Project(name: $0.name, description: $0.desc, path: $0.path) }
    }

    /// `get_computer_info`: who and where, with memory, disk and CPU.
    public func computerInfo() async -> (info: ComputerInfo, stats: SystemStats) {
        let computer = settings.current.computer
        let info = ComputerInfo(name: computer.name, user: computer.user, role: computer.role,
                                host: hostName.isEmpty ? nil : hostName, isLocal: true)
        return (info, await stats.sample())
    }

    /// `end_session`: closes the session (idempotent).
    @discardableResult
    public func endSession(sessionID: String) async throws -> Session {
        try await manager.close(sessionID)
    }

    /// `get_session_data`: the transcript, last `tailChars` characters (0: all).
    public func sessionOutput(sessionID: String, tailChars: Int = 5000) async throws -> (session: Session, messages: String) {
        try await sessionOutput(sessionID: sessionID, tailChars: tailChars, since: nil, until: nil)
    }

    /// `get_session_data` with its `since` and `until` (ISO times, applied to an agent transcript's messages).
    public func sessionOutput(sessionID: String, tailChars: Int, since: String?, until: String?) async throws -> (session: Session, messages: String) {
        guard tailChars >= 0 else {
            throw TetherError(.invalidRequest, "tail_chars is \(tailChars); give 0 (everything) or a positive number")
        }
        let session = try await manager.session(sessionID)
        return (session, try await manager.transcript(sessionID, tailChars: tailChars, since: since, until: until))
    }
}

// MARK: Steering (PROTOCOL.md §3)

extension CommandLayer {
    public func changeDirectory(sessionID: String, path: String?) async throws {
        try await manager.steer.changeDirectory(sessionID, to: path)
    }

    public func startAgent(sessionID: String, agent: String, thinkingMode: String?, arguments: [String]) async throws {
        try await manager.steer.startAgent(sessionID, agent: agent, mode: thinkingMode, arguments: arguments)
    }

    public func resumeAgent(sessionID: String, agent: String?) async throws {
        try await manager.steer.resumeAgent(sessionID, agent: agent)
    }

    public func restartAgent(sessionID: String, agent: String?) async throws {
        try await manager.steer.restartAgent(sessionID, agent: agent)
    }

    public func rename(sessionID: String, words: String) async throws {
        try await manager.steer.rename(sessionID, words: words)
    }

    public func agentHook(sessionID: String, agent: String, event: String, payload: [UInt8], token: String?) async throws {
        try await manager.agentHook(sessionID, agent: agent, event: event, payload: payload, token: token)
    }

    public func answer(sessionID: String, choice: Int) async throws {
        try await manager.answer(sessionID, choice: choice)
    }

    /// A peer's notice: typed into the local callers on a task of its own, never forwarded.
    public func receiveAgentNotice(sessionID: String, from computer: String, kind: AgentNoticeKind, text: String?) async {
        notices.received(kind, about: sessionID, from: computer, text: text)
    }

    /// The roadmap of a trusted dir; any other path reads nothing, so no file outside them is read.
    public func todos(project: String) async throws -> [TodoItem] {
        guard listProjects().contains(where: { $0.path == project }) else { return [] }
        return try await files.run { TodoItem.read(project: project) }
    }
}

// MARK: Wire shapes

extension CommandLayer {
    /// `[{name, desc, path}]` as `list_projects` answers.
    public static func json(projects: [Project]) -> [UInt8] {
        projects.map { $0.listed(as: .peer) }.jsonBytes
    }

    /// `{user, role, host, system_stats}` as `get_computer_info` answers.
    public static func json(computer info: ComputerInfo, stats: SystemStats) -> [UInt8] {
        ComputerReport(info, stats: stats).jsonBytes
    }

    /// `{status, session_id, project_dir, messages, created_at, last_activity}` as `get_session_data` answers.
    public static func json(output session: Session, messages: String) -> [UInt8] {
        var json = JSONWriter(reservingCapacity: messages.utf8.count + 256)
        session.output(messages: messages).write(to: &json)
        return json.bytes
    }
}
