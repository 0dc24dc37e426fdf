import TetherCore
import TetherTerminal

/// What a peer (or the Python MCP tools' remote start) asks of a session after it exists: `cd`,
/// `agent`, `agent_resume`, `agent_restart` and `rename` (PROTOCOL.md §3). Each is typed into the
/// session's shell as the Python daemon does, and recorded on the session's row.
struct SessionSteering: Sendable {
    /// Interrupts that end a running agent before a restart (Ctrl-C twice: the agent CLIs ask to confirm the first).
    static let restartInterrupts = 2
    /// How long a restart waits for the agent to exit after a pair of Ctrl-C before pressing them
    /// again: the CLIs exit within a few hundred milliseconds of the second one, and a working
    /// agent takes the first pair as the end of its turn instead.
    static let restartExitWait: Duration = .seconds(3)
    /// Pairs of Ctrl-C pressed at most: one ends a working turn, one exits, one spare; after them
    /// the restart gives up rather than type the resume command into a running agent.
    static let restartRounds = 3

    let lookup: SessionLookup
    let input: SessionInputSender
    let recorder: SessionRecorder
    let policy: WorkingDirectoryPolicy
    let settings: LiveConfiguration
    let launcher: AgentLauncher
    let agents: AgentWatch
    let temp: SessionTempDirectory
    let files: BlockingWorker
    /// Tells when the agent has exited to its shell.
    let exits: AgentExitWaiter

    /// `cd path`: the directory must pass the same policy as a new session's; nil is `computer.default_working_dir`.
    func changeDirectory(_ id: String, to path: String?) async throws {
        let directory = try policy.validate(path ?? settings.current.computer.defaultWorkingDir)
        try await input.sendMessage(id, "cd " + SessionInputSender.shellQuote(directory), adapter: RedisOrigin.name, asShellCommand: true)
        try await recorder.update(id) { $0.workingDirectory = directory }
    }

    /// `agent <name> [mode] [arguments]`: the configured command, then the arguments each quoted.
    /// A new conversation: the previous agent's own id no longer names what runs here.
    func startAgent(_ id: String, agent: String, mode: String?, arguments: [String]) async throws {
        let command = try configuredCommand(agent)
        let quoted = arguments.isEmpty ? nil : arguments.map(SessionInputSender.shellQuote).joined(separator: " ")
        let line = try await launchLine(id, agent: agent, command: command, arguments: quoted)
        try await launch(id, agent: agent, command: command, line: line) {
            $0.activeAgent = agent
            $0.nativeSessionID = nil
            if let mode { $0.thinkingMode = mode }
        }
    }

    /// `agent_resume [agent]`: the agent (the session's own when not named) continues its
    /// conversation: this session's own by the id its hooks reported, else its last one in the
    /// directory (``resumeArguments(kind:nativeSessionID:)``).
    func resumeAgent(_ id: String, agent: String?) async throws {
        let session = try await lookup.accepting(id)
        guard let name = agent ?? session.record.activeAgent else {
            throw TetherError(.invalidRequest, "session \(id) runs no agent; name the agent to resume (claude, gemini or codex)")
        }
        let command = try configuredCommand(name)
        // The stored id is the conversation of the session's own agent; another agent's CLI would not know it.
        let native = name == session.record.activeAgent ? session.record.nativeSessionID : nil
        let arguments = AgentLauncher.kind(name: name, command: command).map { Self.resumeArguments(kind: $0, nativeSessionID: native) }
        let line = try await launchLine(id, agent: name, command: command, arguments: arguments)
        try await launch(id, agent: name, command: command, line: line) { $0.activeAgent = name }
    }

    /// `agent_restart [agent]` and `POST /sessions/{id}/agent-restart`: Ctrl-C pairs until the
    /// agent has exited to the shell (``restartRounds`` at most), then the agent resumes its
    /// conversation (``resumeAgent(_:agent:)``) with its hooks, its state `starting` again. A pane whose shell cannot be told
    /// (`/proc` hides it) gets one pair and the resume, as the Python daemon does.
    func restartAgent(_ id: String, agent: String?) async throws {
        let session = try await lookup.accepting(id)
        // Refused before any Ctrl-C: a restart that cannot resume must not stop the agent.
        guard let name = agent ?? session.record.activeAgent else {
            throw TetherError(.invalidRequest, "session \(id) runs no agent; name the agent to restart (claude, gemini or codex)")
        }
        _ = try configuredCommand(name)
        let tmuxName = session.record.tmuxSessionName
        // Queued texts wait until the agent is back: an interrupted turn reads idle for a moment,
        // and a text typed then would reach the exiting agent or the shell.
        agents.hold(id)
        defer { agents.release(id) }
        var rounds = 0
        var exited = try await exits.shellInForeground(tmuxName)
        while exited == false {
            guard rounds < Self.restartRounds else {
                throw TetherError(.unavailable, "the agent in session \(id) did not exit after \(rounds * Self.restartInterrupts) Ctrl-C, "
                                  + "so it was not restarted; look at the session's screen (tether attach) and end it by hand")
            }
            rounds += 1
            try await input.sendKey(id, .control("c"), count: Self.restartInterrupts)
            exited = try await exits.waitForShell(tmuxName, within: Self.restartExitWait)
        }
        if exited == nil, rounds == 0 { try await input.sendKey(id, .control("c"), count: Self.restartInterrupts) }
        try await resumeAgent(id, agent: name)
    }

    /// `rename words`: the title becomes `[{computer}] words`, as the Python daemon names it.
    func rename(_ id: String, words: String) async throws {
        _ = try await lookup.accepting(id)
        let title = "[\(lookup.computer)] \(words)"
        try await recorder.update(id) { $0.title = title }
    }

    /// Types the agent's start `line`, followed from before the first key: a hook that comes at
    /// once finds its tracker (not replaced after it), and a text sent meanwhile waits in the queue
    /// instead of going into the starting agent with its Enter. The record names the agent first
    /// too, for the same text; both are taken back when the line cannot be typed.
    private func launch(_ id: String, agent: String, command: String, line: String, _ change: (inout SessionRecord) -> Void) async throws {
        let before = try await lookup.accepting(id).record
        if let kind = AgentLauncher.kind(name: agent, command: command) {
            await agents.launched(id, kind: AgentKind(rawValue: kind.rawValue) ?? .other)
        } else {
            await agents.forget(id)
        }
        do {
            try await recorder.update(id, change)
            try await input.sendMessage(id, line, adapter: RedisOrigin.name, asShellCommand: true)
        } catch {
            await agents.forget(id)
            try? await recorder.update(id) {
                $0.activeAgent = before.activeAgent
                $0.thinkingMode = before.thinkingMode
                $0.nativeSessionID = before.nativeSessionID
            }
            throw error
        }
    }

    /// The agent's command line with its session's hooks (the settings file written off the pool).
    private func launchLine(_ id: String, agent: String, command: String, arguments: String?) async throws -> String {
        try await files.run { [launcher, temp] in
            try launcher.commandLine(name: agent, command: command, arguments: arguments, sessionID: id, tempDirectory: temp.path(for: id))
        }
    }

    private func configuredCommand(_ agent: String) throws -> String {
        guard let configured = settings.current.agents[agent] else {
            throw TetherError(.invalidRequest, "unknown agent \(agent); configured agents: \(settings.current.agents.keys.sorted().joined(separator: ", "))")
        }
        return configured.command
    }
}

/// The `last_input_adapter` of input a peer asked for.
enum RedisOrigin {
    static let name = "redis"
}
