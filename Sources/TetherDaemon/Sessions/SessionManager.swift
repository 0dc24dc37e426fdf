import Foundation
import Logging
import Synchronization
import TetherCore
import TetherStore
import TetherTerminal

/// Owns the life of this computer's sessions: create (row, TMPDIR, tmux, cache, poller), input,
/// close, exit, and reconciliation with the tmux sessions that outlived a daemon restart.
///
/// The cache holds the live local sessions (creating, active, idle) and is the source of truth for
/// their current version; every change goes cache, then store, then bus. Ended sessions leave the
/// cache and keep their row, with the final screen. Being an actor, it re-checks a session after
/// each suspension: ``ending`` marks a session whose end is in progress so a close and an exit
/// observed at the same time end it once.
public actor SessionManager {
    /// How often at most a screen change alone is written to the store as `last_activity`; status
    /// and directory changes are written at once.
    public static let activityPersistInterval: Int64 = 5_000_000

    /// What a new session needs (kept under this name for the daemon's callers).
    public typealias CreateRequest = NewSessionRequest

    /// What reconciliation found at start.
    public struct Reconciliation: Sendable, Equatable {
        public var adopted: Int
        public var exited: Int
        /// `tc_*` tmux sessions with no row here (the TUI's `tc_tui`, CLI quick starts): left alone.
        public var foreign: Int
    }

    public nonisolated let poller: OutputPoller
    public nonisolated let store: SessionStore
    public nonisolated let bridge: TerminalBridge
    public nonisolated let cache: SessionCache
    public nonisolated let bus: EventBus
    private let settings: LiveConfiguration
    private let computer: String
    private let policy: WorkingDirectoryPolicy
    private let tempDirectories: SessionTempDirectory
    private let files = BlockingWorker(name: "tether-files")
    private let logger: Logger
    private var lastPersisted: BoundedDictionary<String, Timestamp>
    private var ending: Set<String> = []
    /// The pid of each live session's pane (its shell), for the scope's accounting.
    private var panePIDs: [String: Int] = [:]
    private let environment: ProcessEnvironment

    init(store: SessionStore, bridge: TerminalBridge, cache: SessionCache, bus: EventBus, registry: TaskRegistry,
         settings: LiveConfiguration, environment: ProcessEnvironment, time: TimeSource, logger: Logger) {
        let configuration = settings.current
        let sink = ObservationSink()
        self.poller = OutputPoller(
            bridge: bridge, registry: registry, time: time,
            settings: {
                let polling = settings.current.polling
                return OutputPoller.Settings(minInterval: polling.minInterval, interval: polling.interval, maxInterval: polling.maxInterval)
            },
            historyLines: { settings.current.limits.captureHistoryLines },
            logger: logger,
            observe: { id, observation in await sink.forward(id, observation) }
        )
        self.store = store
        self.bridge = bridge
        self.cache = cache
        self.bus = bus
        self.settings = settings
        self.computer = configuration.computer.name
        self.policy = WorkingDirectoryPolicy(configuration: configuration, environment: environment)
        self.tempDirectories = SessionTempDirectory(environment: environment)
        self.environment = environment
        self.logger = logger
        self.lastPersisted = BoundedDictionary(capacity: configuration.limits.boundedState)
        sink.manager.withLock { $0 = self }
    }

    /// Ends the helper thread; call after the pollers have stopped.
    func shutdown() async {
        await files.stop()
    }

    // MARK: Start

    /// Adopts the sessions whose tmux outlived the daemon, marks the vanished ones exited, and leaves
    /// every tmux session it did not create alone (the Python daemon's sweep killed them, §9.16).
    public func reconcile() async throws -> Reconciliation {
        let rows = try await store.sessions(statuses: [.creating, .active, .idle], computer: computer)
        let running: Set<String>?
        do {
            running = Set(try await bridge.listSessions())
        } catch {
            // Without a listing every row gets a poller, which marks the missing ones exited itself.
            logger.warning("cannot list tmux sessions at start; the pollers will find out which sessions live", metadata: ["error": "\(error)"])
            running = nil
        }
        var result = Reconciliation(adopted: 0, exited: 0, foreign: 0)
        for row in rows {
            if running?.contains(row.tmuxSessionName) ?? true {
                var record = row
                if record.status == .creating { record.status = .active }
                let session = Session(record)
                if record != row { try await store.save(record) }
                cache.upsert(session)
                if let pid = (try? await bridge.paneState(record.tmuxSessionName))??.pid { panePIDs[record.sessionID] = pid }
                poller.start(sessionID: record.sessionID, tmuxName: record.tmuxSessionName, directory: record.workingDirectory)
                bus.publish(.updated(session))
                result.adopted += 1
            } else {
                let ended = Session(row).updating {
                    $0.status = .exited
                    $0.closedAt = Timestamp.now()
                }
                try await store.save(ended.record)
                await removeTempDirectory(row.sessionID)
                await stopScope(row.sessionID)
                bus.publish(.ended(ended))
                result.exited += 1
            }
        }
        let known = Set(rows.map(\.tmuxSessionName))
        result.foreign = running?.filter { $0.hasPrefix("tc_") && !known.contains($0) }.count ?? 0
        logger.info("sessions reconciled", metadata: [
            "sessions.adopted": "\(result.adopted)", "sessions.exited": "\(result.exited)", "sessions.foreign": "\(result.foreign)",
        ])
        return result
    }

    // MARK: Queries

    /// Live sessions on this computer, newest activity first.
    public func liveSessions() -> [Session] {
        cache.sessions(computer: computer)
    }

    /// Ended sessions of this computer, from the store.
    public func endedSessions(statuses: Set<SessionStatus>, limit: Int) async throws -> [Session] {
        try await store.sessions(statuses: statuses.filter { !$0.isLive }, computer: computer, limit: limit).map { Session($0) }
    }

    /// A session of this computer, live or ended; throws not-found naming the id.
    public func session(_ id: String) async throws -> Session {
        if let live = localLive(id) { return live }
        if let row = try await store.session(id: id), row.computerName == computer { return Session(row) }
        throw Self.notFound(id)
    }

    private func localLive(_ id: String) -> Session? {
        guard let session = cache.session(id), session.computer == computer else { return nil }
        return session
    }

    private func liveSession(_ id: String) async throws -> Session {
        if let live = localLive(id), !ending.contains(id) { return live }
        if let row = try await store.session(id: id), row.computerName == computer {
            throw TetherError(.invalidRequest, "session \(id) has ended (\(row.status.rawValue)); start a new session")
        }
        throw Self.notFound(id)
    }

    static func notFound(_ id: String) -> TetherError {
        TetherError(.notFound, "session \(id) not found on this computer; list sessions to see the live ones")
    }

    // MARK: Create

    /// Creates a session: validates the directory and agent first, so a bad request creates nothing.
    public func create(_ request: CreateRequest) async throws -> Session {
        let configuration = settings.current
        let directory = try policy.validate(request.workingDirectory ?? configuration.computer.defaultWorkingDir)
        var agentCommand: String?
        if let agent = request.agent {
            guard let configured = configuration.agents[agent] else {
                throw TetherError(.invalidRequest, "unknown agent \(agent); configured agents: \(configuration.agents.keys.sorted().joined(separator: ", "))")
            }
            agentCommand = configured.command
        }
        let live = cache.sessions(computer: computer).count + ending.count
        guard live < configuration.limits.maxSessions else {
            throw TetherError(.invalidRequest, "\(live) sessions are live, the limit (limits.max_sessions) is \(configuration.limits.maxSessions); close one or raise the limit")
        }

        var id = UUID().uuidString.lowercased()
        var name = SessionRecord.tmuxName(for: id)
        for _ in 0..<8 where try await store.tmuxNameTaken(name, computer: computer) {
            id = UUID().uuidString.lowercased()
            name = SessionRecord.tmuxName(for: id)
        }
        let now = Timestamp.now()
        var record = SessionRecord(sessionID: id, computerName: computer, tmuxSessionName: name, createdAt: now)
        record.originAdapter = request.origin
        record.workingDirectory = directory
        record.activeAgent = request.agent
        record.thinkingMode = request.thinkingMode
        record.initiatorSessionID = request.initiatorSessionID
        record.description = request.title
        record.title = title(directory: directory, agent: request.agent, mode: request.thinkingMode, description: request.title)
        record.status = .creating
        try await store.save(record)

        do {
            let temp = try await files.run { [tempDirectories, id] in try tempDirectories.create(for: id) }
            let environment = [
                "TELECLAUDE_SESSION_ID": id, "TETHER_SESSION_ID": id, "ZSH_LAST_WORKING_DIRECTORY": "1",
                "TMPDIR": temp, "TMP": temp, "TEMP": temp,
            ]
            var command: String?
            if let units = bridge.units, await units.isUsable(timeout: .seconds(configuration.timeouts.subprocessQuick)) {
                let shell = self.environment.variables["SHELL"].flatMap { $0.isEmpty ? nil : $0 } ?? "/bin/sh"
                command = units.scopedShell(sessionID: id, shell: shell, limits: configuration.limits.sessionLimits)
            }
            let pane = try await bridge.createSession(name: name, directory: directory, environment: environment, command: command)
            if let pid = pane.pid { panePIDs[id] = pid }
        } catch {
            await removeTempDirectory(id)
            record.status = .closed
            record.closedAt = Timestamp.now()
            record.finalScreen = "creation failed: \(error)"
            try? await store.save(record)
            logger.error("session creation failed", metadata: ["session.id": "\(id)", "tmux.session": "\(name)", "error": "\(error)"])
            throw error
        }
        record.status = .active
        let session = Session(record)
        do {
            try await store.save(record)
        } catch {
            try? await bridge.kill(name)
            await removeTempDirectory(id)
            throw error
        }
        cache.upsert(session)
        lastPersisted.updateValue(now, forKey: id)
        poller.start(sessionID: id, tmuxName: name, directory: directory)
        bus.publish(.created(session))
        logger.info("session created", metadata: [
            "session.id": "\(id)", "tmux.session": "\(name)", "session.directory": "\(directory)", "session.agent": "\(request.agent ?? "shell")",
        ])

        // The agent starts in the shell, so the session outlives the agent; a message goes along as its
        // prompt. The session exists either way: a failure to type is logged, not a failed create.
        do {
            if let agentCommand {
                var line = agentCommand
                if let message = request.message, !message.isEmpty { line += " " + Self.shellQuote(message) }
                try await sendMessage(id, line, adapter: request.origin, asShellCommand: true)
            } else if let message = request.message, !message.isEmpty {
                try await sendMessage(id, message, adapter: request.origin)
            }
        } catch {
            logger.error("session created, but its first input could not be typed", metadata: ["session.id": "\(id)", "error": "\(error)"])
        }
        return localLive(id) ?? session
    }

    /// `{project}: {prefix} - {description}` as the Python daemon titles sessions; repeats get ` (N)`.
    private func title(directory: String, agent: String?, mode: String?, description: String?) -> String {
        let project = (directory as NSString).lastPathComponent
        let prefix = agent.map { "\($0.prefix(1).uppercased() + $0.dropFirst())-\(mode ?? "slow")@\(computer)" } ?? "$\(computer)"
        let base = "\(project.isEmpty ? "/" : project): \(prefix) - \(description.flatMap { $0.isEmpty ? nil : $0 } ?? "Untitled")"
        let taken = Set(cache.sessions(computer: computer).compactMap(\.record.title))
        guard taken.contains(base) else { return base }
        var number = 2
        while taken.contains("\(base) (\(number))") { number += 1 }
        return "\(base) (\(number))"
    }

    // MARK: Input

    /// Types `text` and presses Enter. Into an agent CLI, text with punctuation goes as a bracketed
    /// paste (PROTOCOL.md §8), so the Enter that follows at once is not taken as part of it.
    public func sendMessage(_ id: String, _ text: String, adapter: String, asShellCommand: Bool = false) async throws {
        let session = try await liveSession(id)
        let agent = asShellCommand ? nil : session.record.activeAgent
        var typed = text
        if agent == "gemini" { typed = typed.replacingOccurrences(of: "!", with: "\\!") }
        let paste = agent != nil && !text.hasPrefix("/") && text.contains { $0.isPunctuation && $0 != "/" || $0 == "\n" }
        try await bridge.sendText(typed, to: session.record.tmuxSessionName, enter: true, bracketedPaste: paste)
        poller.kick(sessionID: id)
        let now = Timestamp.now()
        try await update(id) {
            $0.lastMessageSent = String(text.prefix(4096))
            $0.lastMessageSentAt = now
            $0.lastActivity = now
            $0.lastInputAdapter = adapter
        }
    }

    public func sendKey(_ id: String, _ key: TerminalKey, count: Int) async throws {
        let session = try await liveSession(id)
        try await bridge.sendKey(key, count: count, to: session.record.tmuxSessionName)
        poller.kick(sessionID: id)
    }

    // MARK: Output

    /// The screen of a live session, with `historyLines` of scrollback.
    public func screen(_ id: String, historyLines: Int) async throws -> String {
        let session = try await liveSession(id)
        return try await bridge.capture(session.record.tmuxSessionName, historyLines: min(historyLines, settings.current.limits.captureHistoryLines))
    }

    /// The session's transcript: the agent's own transcript file when it has one, else the screen
    /// with its history (the final screen for an ended session); the last `tailChars` characters
    /// (0: all).
    public func transcript(_ id: String, tailChars: Int) async throws -> String {
        let session = try await session(id)
        let text: String
        if let file = session.record.nativeLogFile, !file.isEmpty,
           let contents = try? await files.run({ try Self.readTail(of: file, maxBytes: Self.transcriptMaximumBytes) }) {
            text = contents
        } else if session.status.isLive {
            text = try await bridge.capture(session.record.tmuxSessionName, historyLines: settings.current.limits.captureHistoryLines)
        } else {
            text = session.record.finalScreen ?? ""
        }
        let trimmed = Self.trimTrailingBlankLines(text)
        return tailChars > 0 && trimmed.count > tailChars ? String(trimmed.suffix(tailChars)) : trimmed
    }

    /// The most of an agent transcript file read at once.
    public static let transcriptMaximumBytes = 4 << 20

    private static func readTail(of path: String, maxBytes: Int) throws -> String {
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        let size = try handle.seekToEnd()
        try handle.seek(toOffset: size > UInt64(maxBytes) ? size - UInt64(maxBytes) : 0)
        return String(decoding: try handle.readToEnd() ?? Data(), as: UTF8.self)
    }

    static func trimTrailingBlankLines(_ text: String) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        while let last = lines.last, last.allSatisfy(\.isWhitespace) { lines.removeLast() }
        return lines.joined(separator: "\n")
    }

    // MARK: Close

    /// Ends a live session on request: stops its poller, keeps its final screen, kills its tmux
    /// session, removes its TMPDIR and per-session state; status `closed`. Closing an ended session
    /// returns it as it is.
    @discardableResult
    public func close(_ id: String) async throws -> Session {
        guard let session = localLive(id) else {
            if let row = try await store.session(id: id), row.computerName == computer { return Session(row) }
            throw Self.notFound(id)
        }
        guard !ending.contains(id) else { return session }
        ending.insert(id)
        defer { ending.remove(id) }
        poller.stop(sessionID: id)
        let name = session.record.tmuxSessionName
        let final = try? await bridge.capture(name, historyLines: settings.current.limits.captureHistoryLines)
        // Its whole process tree goes, background children included.
        await stopScope(id)
        do {
            try await bridge.kill(name)
        } catch {
            poller.start(sessionID: id, tmuxName: name, directory: session.record.workingDirectory)
            throw error
        }
        let ended = try await end(localLive(id) ?? session, status: .closed, finalScreen: final.map(Self.trimTrailingBlankLines), exitStatus: nil)
        logger.info("session closed", metadata: ["session.id": "\(id)", "tmux.session": "\(name)"])
        return ended
    }

    private func end(_ session: Session, status: SessionStatus, finalScreen: String?, exitStatus: Int?) async throws -> Session {
        let id = session.id
        let ended = session.updating {
            $0.status = status
            $0.closedAt = Timestamp.now()
            if let finalScreen { $0.finalScreen = finalScreen }
            $0.exitStatus = exitStatus
        }
        cache.remove(sessionID: id)
        bus.forget(sessionID: id)
        lastPersisted.removeValue(forKey: id)
        panePIDs.removeValue(forKey: id)
        await removeTempDirectory(id)
        bus.publish(.ended(ended))
        try await store.save(ended.record)
        return ended
    }

    private func removeTempDirectory(_ id: String) async {
        _ = try? await files.run { [tempDirectories] in tempDirectories.remove(for: id) }
    }

    // MARK: Observations from the pollers

    func observe(_ id: String, _ observation: OutputPoller.Observation) async {
        guard !ending.contains(id), let session = localLive(id) else { return }
        do {
            switch observation {
            case .screenChanged(let screen):
                bus.publish(.outputChanged(sessionID: id, screen: screen))
                let now = Timestamp.now()
                let last = lastPersisted.peek(id) ?? Timestamp(microseconds: 0)
                let persist = session.status != .active || now.microseconds - last.microseconds >= Self.activityPersistInterval
                try await update(id, persist: persist) {
                    $0.lastActivity = now
                    $0.status = .active
                }
            case .directoryChanged(let path):
                bus.publish(.directoryChanged(sessionID: id, path: path))
                try await update(id) { $0.workingDirectory = path }
            case .becameIdle:
                try await update(id) { $0.status = .idle }
            case .exited(let screen, let exitStatus):
                ending.insert(id)
                defer { ending.remove(id) }
                let reason = await exitReason(id, exitStatus: exitStatus)
                // The dead pane stays (remain-on-exit) until killed; what it left running goes with its scope.
                await stopScope(id)
                try? await bridge.kill(session.record.tmuxSessionName)
                bus.publish(.processExited(sessionID: id, screen: screen, exitStatus: exitStatus))
                var last = localLive(id) ?? session
                last = last.updating { $0.exitReason = reason }
                _ = try await end(last, status: .exited, finalScreen: Self.trimTrailingBlankLines(screen), exitStatus: exitStatus)
                logger.info("session exited", metadata: [
                    "session.id": "\(id)", "tmux.session": "\(session.record.tmuxSessionName)",
                    "exit_status": "\(exitStatus.map(String.init) ?? "unknown")", "exit_reason": "\(reason ?? "unknown")",
                ])
            }
        } catch {
            logger.error("cannot record a session change; the daemon keeps serving", metadata: ["session.id": "\(id)", "error": "\(error)"])
        }
    }

    // MARK: Scopes and accounting

    private func stopScope(_ id: String) async {
        guard let units = bridge.units, await units.isUsable(timeout: .seconds(settings.current.timeouts.subprocessQuick)) else { return }
        await units.stopScope(sessionID: id, timeout: .seconds(settings.current.timeouts.subprocess))
    }

    /// Why a session's process ended: systemd's verdict on its scope when it has one to give
    /// (`oom-kill`), else what the exit status says.
    private func exitReason(_ id: String, exitStatus: Int?) async -> String? {
        if let units = bridge.units, await units.isUsable(timeout: .seconds(settings.current.timeouts.subprocessQuick)),
           let result = await units.scopeResult(sessionID: id, timeout: .seconds(settings.current.timeouts.subprocessQuick)),
           result != "success" {
            return result
        }
        guard let exitStatus else { return nil }
        if exitStatus > 128 {
            let signal = exitStatus - 128
            let names = [1: "SIGHUP", 2: "SIGINT", 6: "SIGABRT", 9: "SIGKILL", 11: "SIGSEGV", 15: "SIGTERM"]
            var reason = "killed by \(names[signal] ?? "signal \(signal)")"
            if signal == 9, let memory = settings.current.limits.sessionLimits.memoryMax { reason += " (memory limit \(memory)?)" }
            return reason
        }
        return "exited with status \(exitStatus)"
    }

    /// Reads every live session's scope usage and records it when it moved (not persisted on its
    /// own: the next real change writes it).
    public func refreshAccounting() async {
        let targets = panePIDs.compactMap { entry -> (String, Int)? in localLive(entry.key).map { _ in (entry.key, entry.value) } }
        guard bridge.units != nil, !targets.isEmpty else { return }
        let usages = (try? await files.run { targets.map { CgroupAccounting.usage(pid: $0.1, unit: SystemdUnits.scopeUnit(sessionID: $0.0)) } }) ?? []
        for ((id, _), usage) in zip(targets, usages) {
            guard let usage, let current = localLive(id) else { continue }
            let oldCPU = current.record.cpuSeconds ?? -1
            let oldMemory = current.record.memoryBytes ?? -1
            let memoryMoved = abs((usage.memoryBytes ?? -1) - oldMemory) > max(256 << 10, oldMemory / 100)
            guard usage.cpuSeconds - oldCPU >= 0.05 || memoryMoved else { continue }
            try? await update(id, persist: false) {
                $0.cpuSeconds = usage.cpuSeconds
                $0.memoryBytes = usage.memoryBytes
            }
        }
    }

    /// Applies `change` to the live session: cache, then store (when `persist`), then bus.
    private func update(_ id: String, persist: Bool = true, _ change: (inout SessionRecord) -> Void) async throws {
        guard let current = localLive(id) else { return }
        let next = current.updating(change)
        guard next.record != current.record else { return }
        cache.upsert(next)
        bus.publish(.updated(next))
        if persist {
            lastPersisted.updateValue(Timestamp.now(), forKey: id)
            try await store.save(next.record)
        }
    }

    /// `'text'` for a POSIX shell.
    static func shellQuote(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

/// Forwards poller observations to the manager, which does not exist yet when its poller is made.
private final class ObservationSink: Sendable {
    let manager = Mutex<SessionManager?>(nil)

    func forward(_ id: String, _ observation: OutputPoller.Observation) async {
        await manager.withLock { $0 }?.observe(id, observation)
    }
}
