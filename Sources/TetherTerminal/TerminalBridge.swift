import Logging
import Synchronization
import TetherCore

/// The daemon's only way to tmux: every operation bounded by a named deadline, every session on the
/// configured server socket (`tmux -L computer.tmux_socket`), never the user's own server.
///
/// In steady state one persistent control-mode client carries every command, so polling spawns no
/// process. ``run(until:onFirstAttempt:)`` keeps that client alive, restarting it with backoff when it
/// dies; meanwhile, and whenever it is not attached, each command runs as a one-shot `tmux` under the
/// same deadline (killed with its process group and reaped on expiry).
public final class TerminalBridge: Sendable {
    /// Restart delays of the control client: from `initial`, doubling to `maximum`, reset once attached.
    /// Half a second lets a restarting tmux server come up before the first retry; one-shots serve
    /// meanwhile, so thirty seconds between attempts at worst costs only spawns, not service.
    public static let restartInitial: Duration = .milliseconds(500)
    public static let restartMaximum: Duration = .seconds(30)
    /// How often a server just started in its own unit is asked whether it answers: a tmux server
    /// is up within tens of milliseconds, and each question is one short-lived process.
    static let serverProbeInterval: Duration = .milliseconds(20)
    /// Bytes of text per `send-keys -l` command; longer text goes in several, in order.
    public static let textChunkBytes = 4096
    /// The most text one message may carry.
    public static let maximumTextBytes = 1 << 20

    private let settings: @Sendable () -> TerminalSettings
    /// The systemd units the server and sessions run in, when the daemon runs under systemd.
    public let units: SystemdUnits?
    private let time: TimeSource
    private let logger: Logger
    private let client = Mutex<TmuxControlClient?>(nil)
    /// One server start at a time: the control-client loop and a session create may both find no server.
    private let serverStart = AsyncGate()
    private let restarts = Atomic<Int>(0)

    public init(settings: @escaping @Sendable () -> TerminalSettings, units: SystemdUnits? = nil, time: TimeSource, logger: Logger) {
        self.settings = settings
        self.units = units
        self.time = time
        self.logger = logger
    }

    /// Whether commands currently go through the control client (false: one-shot fallback).
    public var usesControlClient: Bool { client.withLock { $0?.isAlive ?? false } }
    /// Control clients started after the first (each one a restart after a death).
    public var controlClientRestarts: Int { restarts.load(ordering: .relaxed) }

    // MARK: The control client

    /// Keeps the control client attached until `detach` fires (a graceful stop, in which the client
    /// is closed with its own deadline working, as cancellation would not allow) or the task is
    /// cancelled; calls `onFirstAttempt` once the first attempt has succeeded or failed (the daemon
    /// can serve either way, through one-shots).
    public func run(until detach: AsyncEvent, onFirstAttempt: @Sendable () -> Void) async {
        var backoff = Backoff(initial: Self.restartInitial, maximum: Self.restartMaximum)
        var reported = false
        var attempts = 0
        while !Task.isCancelled, !detach.isFired {
            let current = settings()
            do {
                try await ensureServer()
                let started = try await TmuxControlClient.start(
                    binary: current.binary, socket: current.socket, environment: current.environment,
                    timeout: current.quickTimeout, time: time, logger: logger
                )
                _ = try await started.execute([TmuxCommand(["refresh-client", "-f", "no-output"])], timeout: current.quickTimeout)
                client.withLock { $0 = started }
                attempts += 1
                if attempts > 1 { restarts.add(1, ordering: .relaxed) }
                backoff.success()
                logger.info("tmux control client attached", metadata: ["tmux.socket": "\(current.socket)", "tmux.pid": "\(started.pid)"])
                if !reported { reported = true; onFirstAttempt() }
                await started.waitForExit(orUntil: detach)
                client.withLock { $0 = nil }
                if Task.isCancelled || detach.isFired {
                    await started.stop(timeout: current.quickTimeout)
                    break
                }
                logger.warning("tmux control client exited; commands run as one-shot tmux processes until it is back",
                               metadata: ["tmux.socket": "\(current.socket)", "tmux.pid": "\(started.pid)"])
            } catch is CancellationError {
                break
            } catch {
                if !reported { reported = true; onFirstAttempt() }
                logger.log(level: backoff.failures == 0 ? .warning : .debug,
                           "tmux control client could not attach; retrying with backoff, one-shot tmux meanwhile",
                           metadata: ["tmux.socket": "\(current.socket)", "error": "\(error)", "retry_ms": "\(backoff.current.milliseconds)"])
            }
            if await detach.wait(timeout: backoff.failure(), on: time) || Task.isCancelled { break }
        }
        if let last = client.withLock({ $0.take() }) { await last.stop(timeout: settings().quickTimeout) }
    }

    /// Starts the server if it is not running: its holder session (which the control client attaches
    /// to and which keeps the server up with no sessions) and the options every session relies on.
    public func ensureServer() async throws {
        await serverStart.enter()
        defer { serverStart.leave() }
        let current = settings()
        let probe = try await oneShot(TmuxCommand(["has-session", "-t", "=" + TmuxControlClient.holderSession], deadline: .quick), current)
        guard case .failure(let missing) = probe else { return }
        if let units, await units.isUsable(timeout: current.quickTimeout), TmuxFailure.isServerDown(missing.message) {
            try await startServerUnit(units, current)
        }
        let start = TmuxCommand([
            "new-session", "-d", "-s", TmuxControlClient.holderSession, "exec sleep 2147483647", ";",
            "set-option", "-g", "exit-empty", "off", ";",
            "set-option", "-g", "destroy-unattached", "off", ";",
            "set-option", "-g", "history-limit", String(max(2000, current.historyLines)), ";",
            // A pane whose process ended stays until we have read its last screen.
            "set-option", "-wg", "remain-on-exit", "on",
        ], deadline: .long)
        if case .failure(let error) = try await oneShot(start, current), !error.message.contains("duplicate session") {
            throw TetherError(.terminal, "cannot start the tmux server on socket \(current.socket) with \(current.binary): \(error.message)")
        }
        logger.info("tmux server started", metadata: ["tmux.socket": "\(current.socket)"])
    }

    /// Starts the server in the foreground as a systemd service of its own, then waits until it answers.
    private func startServerUnit(_ units: SystemdUnits, _ current: TerminalSettings) async throws {
        let unit = SystemdUnits.serverUnit(socket: current.socket)
        let arguments = units.serverCommand(binary: current.binary, socket: current.socket, sessionEnvironment: current.environment)
        var output = try await ProcessRunner.run("systemd-run", arguments, environment: current.environment, timeout: current.longTimeout)
        if output.status != 0, output.stderrText.contains("already") {
            // A unit of that name exists. If its server answers, use it; if not, it is left over: stop it, start again.
            if try await waitForServer(current, within: current.quickTimeout) { return }
            _ = try? await ProcessRunner.run("systemctl", (units.manager == .user ? ["--user"] : []) + ["stop", unit],
                                             environment: current.environment, timeout: current.timeout)
            output = try await ProcessRunner.run("systemd-run", arguments, environment: current.environment, timeout: current.longTimeout)
        }
        guard output.status == 0 else {
            throw TetherError(.terminal, "cannot start the tmux server as \(unit): \(output.stderrText.trimmingTrailingNewlines())")
        }
        guard try await waitForServer(current, within: current.longTimeout) else {
            throw TetherError(.timeout, "the tmux server in \(unit) did not answer within \(current.longTimeout)")
        }
        logger.info("tmux server started in its own unit", metadata: ["tmux.socket": "\(current.socket)", "systemd.unit": "\(unit)"])
    }

    /// Whether the server on the socket answers within `limit` (asking every ``serverProbeInterval``).
    private func waitForServer(_ current: TerminalSettings, within limit: Duration) async throws -> Bool {
        let deadline = time.now + limit
        while time.now < deadline {
            if case .failure(let error) = try await oneShot(TmuxCommand(["list-sessions"], deadline: .quick), current), TmuxFailure.isServerDown(error.message) {
                try await time.sleep(for: Self.serverProbeInterval)
                continue
            }
            return true
        }
        return false
    }

    // MARK: Running commands

    /// Runs `commands` in order and returns one result each. Throws only when none could be run (a
    /// deadline passed, tmux could not start); a command tmux rejects is a failure in its slot.
    public func execute(_ commands: [TmuxCommand]) async throws -> [Result<[String], TetherError>] {
        let current = settings()
        let timeout = commands.map { current.duration(of: $0.deadline) }.max() ?? current.timeout
        if let attached = client.withLock({ $0?.isAlive == true ? $0 : nil }) {
            do {
                return try await attached.execute(commands, timeout: timeout)
            } catch let error as TetherError where error.code == .timeout {
                // A client that misses a deadline is presumed hung: replace it.
                logger.error("tmux control client missed a deadline; restarting it", metadata: ["error": "\(error)", "tmux.pid": "\(attached.pid)"])
                attached.terminate()
                throw error
            } catch let error as TetherError where error.code == .unavailable {
                // It died under us: fall through to one-shots.
            }
        }
        var results: [Result<[String], TetherError>] = []
        for command in commands {
            results.append(try await oneShot(command, current))
        }
        return results
    }

    private func oneShot(_ command: TmuxCommand, _ current: TerminalSettings) async throws -> Result<[String], TetherError> {
        let output = try await ProcessRunner.run(
            current.binary, ["-u", "-L", current.socket] + command.arguments,
            environment: current.environment, timeout: current.duration(of: command.deadline)
        )
        guard output.status == 0 else {
            let message = output.stderrText.trimmingTrailingNewlines()
            return .failure(TetherError(.terminal, message.isEmpty ? "\(command) exited with status \(output.status)" : message))
        }
        var lines = output.stdoutText.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        return .success(lines)
    }

    /// One command's output lines, or its failure as an error (a missing session as `.notFound`).
    private func single(_ command: TmuxCommand, session: String) async throws -> [String] {
        switch try await execute([command]).first! {
        case .success(let lines): return lines
        case .failure(let error): throw Self.classify(error, command: command, session: session)
        }
    }

    static func classify(_ error: TetherError, command: TmuxCommand, session: String) -> TetherError {
        if TmuxFailure.isMissing(error.message) {
            return TetherError(.notFound, "tmux session \(session) does not exist (\(error.message))")
        }
        return TetherError(.terminal, "\(command.arguments.first ?? "tmux") for \(session) failed: \(error.message)")
    }

    static func pane(_ name: String) -> String { "=" + name + ":" }

    // MARK: Sessions

    /// Creates a detached session running `command` (the login shell when nil) in `directory`, with
    /// `environment` set for it; returns its pane.
    public func createSession(name: String, directory: String, environment: [String: String], command: String?) async throws -> PaneState {
        if !usesControlClient { try await ensureServer() }
        var arguments = ["new-session", "-d", "-s", name, "-c", directory]
        for (key, value) in environment.sorted(by: { $0.key < $1.key }) { arguments += ["-e", "\(key)=\(value)"] }
        if let command { arguments.append(command) }
        let create = TmuxCommand(arguments, deadline: .long)
        let results = try await execute([create, TmuxCommand(["display-message", "-p", "-t", Self.pane(name), PaneState.format], deadline: .quick)])
        if case .failure(let error) = results[0] {
            throw TetherError(.terminal, "cannot create tmux session \(name) in \(directory): \(error.message)")
        }
        guard case .success(let lines) = results[1], let line = lines.first, let state = PaneState(line: line), state.pid != nil else {
            throw TetherError(.terminal, "tmux session \(name) was created but its pane could not be read; it may have exited at once")
        }
        return state
    }

    /// Types `text` literally (no key names, no expansion), in chunks, then presses Enter when `enter`.
    /// With `bracketedPaste` the text is wrapped in paste brackets, as agent CLIs expect.
    public func sendText(_ text: String, to name: String, enter: Bool = true, bracketedPaste: Bool = false) async throws {
        guard !text.utf8.contains(0) else {
            throw TetherError(.invalidRequest, "the text for \(name) contains a NUL character, which a terminal cannot receive; remove it")
        }
        guard text.utf8.count <= Self.maximumTextBytes else {
            throw TetherError(.invalidRequest, "the text for \(name) is \(text.utf8.count) bytes; at most \(Self.maximumTextBytes) can be typed at once")
        }
        let payload = bracketedPaste ? "\u{1B}[200~" + text + "\u{1B}[201~" : text
        var commands = Self.chunks(of: payload, maxBytes: Self.textChunkBytes).map {
            TmuxCommand(["send-keys", "-t", Self.pane(name), "-l", "--", $0])
        }
        if enter { commands.append(TmuxCommand(["send-keys", "-t", Self.pane(name), "Enter"])) }
        for (index, result) in try await execute(commands).enumerated() {
            if case .failure(let error) = result { throw Self.classify(error, command: commands[index], session: name) }
        }
    }

    /// Presses `key` `count` times.
    public func sendKey(_ key: TerminalKey, count: Int = 1, to name: String) async throws {
        guard (1...1000).contains(count) else {
            throw TetherError(.invalidRequest, "a key can be repeated 1 to 1000 times, not \(count)")
        }
        _ = try await single(TmuxCommand(["send-keys", "-t", Self.pane(name), "-N", String(count), key.tmuxName]), session: name)
    }

    /// The visible screen, with up to `historyLines` lines of scrollback above it when given.
    public func capture(_ name: String, historyLines: Int? = nil) async throws -> String {
        var arguments = ["capture-pane", "-p", "-J", "-t", Self.pane(name)]
        if let historyLines, historyLines > 0 { arguments += ["-S", "-\(historyLines)"] }
        return try await single(TmuxCommand(arguments, deadline: .quick), session: name).joined(separator: "\n")
    }

    /// The pane's state, or nil when the session does not exist.
    public func paneState(_ name: String) async throws -> PaneState? {
        do {
            let lines = try await single(TmuxCommand(["display-message", "-p", "-t", Self.pane(name), PaneState.format], deadline: .quick), session: name)
            guard let line = lines.first, let state = PaneState(line: line) else {
                throw TetherError(.terminal, "tmux answered \(lines.first ?? "nothing") for the pane of \(name), not the expected six fields")
            }
            // tmux 3.3 answers display-message for a missing target with empty fields, not an error.
            return state.pid == nil ? nil : state
        } catch let error as TetherError where error.code == .notFound {
            return nil
        }
    }

    /// Pane state and visible screen in one round trip; nil when the session does not exist.
    public func poll(_ name: String) async throws -> PaneSnapshot? {
        try await poll([name])[0].get()
    }

    /// Pane state and visible screen of every session in `names`, all in one batch (one write to the
    /// control client, one wake-up for all the replies): one result each, in order, nil for a session
    /// that does not exist. Throws only when the batch as a whole failed (deadline, no tmux).
    public func poll(_ names: [String]) async throws -> [Result<PaneSnapshot?, TetherError>] {
        var commands: [TmuxCommand] = []
        commands.reserveCapacity(names.count * 2)
        for name in names {
            commands.append(TmuxCommand(["display-message", "-p", "-t", Self.pane(name), PaneState.format], deadline: .quick))
            commands.append(TmuxCommand(["capture-pane", "-p", "-J", "-t", Self.pane(name)], deadline: .quick))
        }
        let results = try await execute(commands)
        return names.enumerated().map { index, name in
            switch (results[2 * index], results[2 * index + 1]) {
            case (.success(let lines), .success(let screen)):
                guard let line = lines.first, let state = PaneState(line: line) else {
                    return .failure(TetherError(.terminal, "tmux answered \(lines.first ?? "nothing") for the pane of \(name), not the expected six fields"))
                }
                // tmux 3.3 answers display-message for a missing target with empty fields.
                return .success(state.pid == nil ? nil : PaneSnapshot(pane: state, screen: screen.joined(separator: "\n")))
            case (.failure(let error), _), (_, .failure(let error)):
                if TmuxFailure.isMissing(error.message) { return .success(nil) }
                return .failure(Self.classify(error, command: commands[2 * index], session: name))
            }
        }
    }

    /// Names of the sessions on the server (without the holder); empty when no server runs.
    public func listSessions() async throws -> [String] {
        switch try await execute([TmuxCommand(["list-sessions", "-F", "#{session_name}"], deadline: .quick)])[0] {
        case .success(let names): return names.filter { $0 != TmuxControlClient.holderSession }
        case .failure(let error):
            if TmuxFailure.isMissing(error.message) { return [] }
            throw TetherError(.terminal, "cannot list tmux sessions: \(error.message)")
        }
    }

    public func exists(_ name: String) async throws -> Bool {
        switch try await execute([TmuxCommand(["has-session", "-t", "=" + name], deadline: .quick)])[0] {
        case .success: return true
        case .failure(let error):
            if TmuxFailure.isMissing(error.message) { return false }
            throw TetherError(.terminal, "cannot check tmux session \(name): \(error.message)")
        }
    }

    /// Kills a session; a session that is already gone is not an error.
    public func kill(_ name: String) async throws {
        if case .failure(let error) = try await execute([TmuxCommand(["kill-session", "-t", "=" + name])])[0],
           !TmuxFailure.isMissing(error.message) {
            throw TetherError(.terminal, "cannot kill tmux session \(name): \(error.message)")
        }
    }

    /// Splits `text` into pieces of at most `maxBytes` UTF-8 bytes, never inside a character.
    static func chunks(of text: String, maxBytes: Int) -> [String] {
        guard text.utf8.count > maxBytes else { return [text] }
        var pieces: [String] = []
        var current = ""
        var size = 0
        for character in text {
            let length = character.utf8.count
            if size + length > maxBytes, !current.isEmpty {
                pieces.append(current)
                current = ""
                size = 0
            }
            current.append(character)
            size += length
        }
        if !current.isEmpty { pieces.append(current) }
        return pieces
    }
}

extension String {
    func trimmingTrailingNewlines() -> String {
        var copy = self
        while copy.last == "\n" || copy.last == "\r" { copy.removeLast() }
        return copy
    }
}
