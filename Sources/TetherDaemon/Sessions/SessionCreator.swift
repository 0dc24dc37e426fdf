import Foundation
import Logging
import TetherCore
import TetherStore
import TetherTerminal

/// Creates sessions: checks the request (directory, agent) and `limits.max_sessions` before anything
/// exists, then makes the row, the TMPDIR, the scope and the tmux session, caches and announces it,
/// starts its poller and types its first input.
///
/// The limit holds under concurrency: a creation slot is taken in the same synchronous step as the
/// count (live sessions plus creations under way), before the first `await`, and given back on every
/// path once the session is live or has failed.
struct SessionCreator: Sendable {
    /// How many fresh ids are tried when a tmux name (`tc_` and the id's first 8 hex digits) is taken:
    /// a clash is a one in four billion chance per pair, so eight in a row does not happen.
    static let tmuxNameAttempts = 8
    /// The shell a session runs when `$SHELL` is unset: the one every POSIX system has.
    static let fallbackShell = "/bin/sh"

    let lookup: SessionLookup
    let ledger: SessionLedger
    let recorder: SessionRecorder
    let accountant: SessionAccountant
    let input: SessionInputSender
    let poller: OutputPoller
    let bridge: TerminalBridge
    let scopes: SessionScopeController
    let temp: SessionTempDirectory
    let launcher: AgentLauncher
    let agents: AgentWatch
    let files: BlockingWorker
    let store: SessionStore
    let policy: WorkingDirectoryPolicy
    let settings: LiveConfiguration
    let shell: String
    let time: TimeSource
    let logger: Logger

    /// Creates a session; a bad request or a full house creates nothing.
    func create(_ request: NewSessionRequest) async throws -> Session {
        let configuration = settings.current
        let directory = try policy.validate(request.workingDirectory ?? configuration.computer.defaultWorkingDir)
        var agentCommand: String?
        if let agent = request.agent {
            guard let configured = configuration.agents[agent] else {
                throw TetherError(.invalidRequest, "unknown agent \(agent); configured agents: \(configuration.agents.keys.sorted().joined(separator: ", "))")
            }
            agentCommand = configured.command
        }
        let limit = configuration.limits.maxSessions
        let slot = ledger.reserveCreation(limit: limit, live: lookup.liveCount)
        guard slot.reserved else {
            throw TetherError(.invalidRequest, "\(slot.count) sessions are live or being created and the limit (limits.max_sessions) is \(limit); close a session or raise limits.max_sessions")
        }
        let session: Session
        do {
            session = try await start(request, directory: directory)
            ledger.releaseCreation()
        } catch {
            ledger.releaseCreation()
            throw error
        }
        await typeFirstInput(session.id, request, agentCommand: agentCommand)
        return lookup.live(session.id) ?? session
    }

    /// Row, TMPDIR, scope and tmux session, then the live session recorded and polled.
    private func start(_ request: NewSessionRequest, directory: String) async throws -> Session {
        let computer = lookup.computer
        var id = UUID().uuidString.lowercased()
        var name = SessionRecord.tmuxName(for: id)
        for _ in 0..<Self.tmuxNameAttempts where try await store.tmuxNameTaken(name, computer: computer) {
            id = UUID().uuidString.lowercased()
            name = SessionRecord.tmuxName(for: id)
        }
        var record = SessionRecord(sessionID: id, computerName: computer, tmuxSessionName: name, createdAt: time.wallNow)
        record.originAdapter = request.origin
        record.workingDirectory = directory
        record.activeAgent = request.agent
        record.thinkingMode = request.thinkingMode
        record.initiatorSessionID = request.initiatorSessionID
        if let computer = request.initiatorComputer { record.adapterMetadata = SessionRecord.redisMetadata(sessionID: id, targetComputer: computer) }
        record.description = request.title
        record.title = SessionTitleBuilder.title(directory: directory, agent: request.agent, mode: request.thinkingMode, description: request.title,
                                                 computer: computer, taken: Set(lookup.liveSessions().compactMap(\.record.title)))
        record.status = .creating
        try await recorder.recordRow(record)

        do {
            let path = try await temp.create(for: id, on: files)
            let environment = [
                "TELECLAUDE_SESSION_ID": id, "TETHER_SESSION_ID": id, "ZSH_LAST_WORKING_DIRECTORY": "1",
                "TMPDIR": path, "TMP": path, "TEMP": path,
            ]
            let command = await scopes.shellCommand(sessionID: id, shell: shell)
            let pane = try await bridge.createSession(name: name, directory: directory, environment: environment, command: command)
            if let pid = pane.pid { accountant.track(id, pid: pid) }
        } catch {
            await temp.remove(for: id, on: files)
            record.status = .closed
            record.closedAt = time.wallNow
            record.finalScreen = "creation failed: \(error)"
            try? await recorder.recordRow(record)
            logger.error("session creation failed", metadata: ["session.id": "\(id)", "tmux.session": "\(name)", "error": "\(error)"])
            throw error
        }
        record.status = .active
        let session = Session(record)
        do {
            try await recorder.recordCreated(session)
        } catch {
            try? await bridge.kill(name)
            await temp.remove(for: id, on: files)
            accountant.forget(id)
            throw error
        }
        poller.start(sessionID: id, tmuxName: name, directory: directory)
        logger.info("session created", metadata: [
            "session.id": "\(id)", "tmux.session": "\(name)", "session.directory": "\(directory)", "session.agent": "\(request.agent ?? "shell")",
        ])
        return session
    }

    /// The agent starts in the shell, so the session outlives the agent; a message goes along as its
    /// prompt. The session exists either way: a failure to type is logged, not a failed create.
    ///
    /// The agent is followed from before its line is typed: a SessionStart hook that comes at once
    /// finds its tracker instead of being replaced by a later `starting`, and a text sent meanwhile
    /// is queued for the agent rather than typed into it with its Enter. Only an agent Tether knows
    /// is followed: another's state and input stay the shell's.
    private func typeFirstInput(_ id: String, _ request: NewSessionRequest, agentCommand: String?) async {
        var followed = false
        do {
            if let agentCommand, let agent = request.agent {
                let prompt = request.message.flatMap { $0.isEmpty ? nil : SessionInputSender.shellQuote($0) }
                let line = try await files.run { [launcher, temp] in
                    try launcher.commandLine(name: agent, command: agentCommand, arguments: prompt, sessionID: id, tempDirectory: temp.path(for: id))
                }
                if let kind = AgentLauncher.kind(name: agent, command: agentCommand) {
                    await agents.launched(id, kind: AgentKind(rawValue: kind.rawValue) ?? .other)
                    followed = true
                }
                try await input.sendMessage(id, line, adapter: request.origin, asShellCommand: true)
            } else if let message = request.message, !message.isEmpty {
                try await input.sendMessage(id, message, adapter: request.origin)
            }
        } catch {
            // No agent started, so none is followed: texts go to the shell, as in a plain session.
            if followed { await agents.forget(id) }
            logger.error("session created, but its first input could not be typed", metadata: ["session.id": "\(id)", "error": "\(error)"])
        }
    }
}
