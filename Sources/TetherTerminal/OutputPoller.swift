import Logging
import Synchronization
import TetherCore

/// Watches each live session's screen: exactly one poll schedule per session, kept in one table and
/// served by one registry task, ``run()``.
///
/// Each session's ``PollSchedule`` runs on `polling.*` (read again each round, so a reload applies at
/// once): fast while the screen changes, backing off while it is idle, fast again on a change or on
/// input (``kick(sessionID:)``). The scheduler wakes when the earliest session is due and polls,
/// in one batch through the terminal bridge, every session due within ``batchWindow`` of it; the
/// schedules then fall into step, so 200 sessions polled every second cost one wake-up and one
/// control-client round trip a second, not 200.
///
/// It reports `screenChanged` only when the visible screen differs from the last poll,
/// `directoryChanged` when the pane's directory moves, `becameIdle` after
/// ``SessionStatus/idleAfter`` without a change, and `exited` with the final screen and its history
/// when the pane's process has ended or the session has vanished; that session's schedule ends
/// there. A session's previous screen lives in its table entry, which ``stop(sessionID:)`` drops.
public final class OutputPoller: Sendable {
    /// The polling settings, in seconds, as `polling.*` gives them.
    public struct Settings: Sendable, Equatable {
        public var minInterval: Double
        public var interval: Double
        public var maxInterval: Double

        public init(minInterval: Double, interval: Double, maxInterval: Double) {
            self.minInterval = minInterval
            self.interval = interval
            self.maxInterval = maxInterval
        }

        var schedule: PollSchedule { PollSchedule(minInterval: minInterval, interval: interval, maxInterval: maxInterval) }
    }

    /// What a poll found; the session manager turns these into record changes and bus events.
    public enum Observation: Sendable {
        case screenChanged(String)
        case directoryChanged(String)
        case becameIdle
        case exited(finalScreen: String, exitStatus: Int?)
    }

    /// Sessions due within this much of the earliest are polled in the same batch.
    public static let batchWindow: Duration = .milliseconds(50)
    /// How long to wait for the exit status of a pane seen dead: tmux marks a pane dead when its
    /// terminal closes and learns the status a moment later, when it reaps the process.
    public static let exitStatusWait: Duration = .milliseconds(250)
    private static let exitStatusRetry: Duration = .milliseconds(25)

    private struct Entry {
        let generation: UInt64
        let tmuxName: String
        var schedule: PollSchedule
        var settings: Settings
        var due: Duration
        var previousScreen: String?
        var previousPath: String?
        var lastChange: Duration
        var idleReported = false
        var failing = false
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var nextGeneration: UInt64 = 0
        var wake = AsyncEvent()
        var batchInFlight = false
        var idle: [CheckedContinuation<Void, Never>] = []
    }

    private let bridge: TerminalBridge
    private let registry: TaskRegistry
    private let time: TimeSource
    private let settings: @Sendable () -> Settings
    private let historyLines: @Sendable () -> Int
    private let observe: @Sendable (String, Observation) async -> Void
    private let logger: Logger
    private let state = Mutex(State())
    private let polls = Atomic<Int>(0)
    private let batches = Atomic<Int>(0)
    private let batchObserver = Mutex<(@Sendable (Duration) -> Void)?>(nil)

    /// `observe` is called from the scheduler (or, for an exit, from a task of its own), in order per session.
    public init(bridge: TerminalBridge, registry: TaskRegistry, time: TimeSource,
                settings: @escaping @Sendable () -> Settings, historyLines: @escaping @Sendable () -> Int,
                logger: Logger, observe: @escaping @Sendable (String, Observation) async -> Void) {
        self.bridge = bridge
        self.registry = registry
        self.time = time
        self.settings = settings
        self.historyLines = historyLines
        self.logger = logger
        self.observe = observe
    }

    /// Sessions with a schedule now.
    public var activeCount: Int { state.withLock { $0.entries.count } }
    /// Session polls done since start.
    public var pollCount: Int { polls.load(ordering: .relaxed) }
    /// Batches sent since start (each one round trip to tmux).
    public var batchCount: Int { batches.load(ordering: .relaxed) }

    /// Called with the duration of every poll batch (for the metrics).
    public func observeBatches(_ observer: @escaping @Sendable (Duration) -> Void) {
        batchObserver.withLock { $0 = observer }
    }

    public func isPolling(_ sessionID: String) -> Bool { state.withLock { $0.entries[sessionID] != nil } }

    /// Gives `sessionID` a schedule, first poll at once, unless it already has one (never two).
    public func start(sessionID: String, tmuxName: String, directory: String?) {
        let current = settings()
        let now = time.now
        let wake = state.withLock { state -> AsyncEvent? in
            guard state.entries[sessionID] == nil else { return nil }
            state.nextGeneration += 1
            state.entries[sessionID] = Entry(generation: state.nextGeneration, tmuxName: tmuxName, schedule: current.schedule,
                                             settings: current, due: now, previousPath: directory, lastChange: now)
            return state.wake
        }
        wake?.fire()
    }

    /// Ends a session's schedule (on close); its state goes with it.
    public func stop(sessionID: String) {
        state.withLock { _ = $0.entries.removeValue(forKey: sessionID) }
    }

    /// Ends every schedule.
    public func stopAll() {
        state.withLock { $0.entries.removeAll() }
    }

    /// Suspends until no batch is in flight (after ``stopAll()``, until polling has really stopped).
    public func waitUntilStopped() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLock { state -> Bool in
                if !state.batchInFlight { return true }
                state.idle.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }

    /// Input went to the session: poll it soon, whatever its idle backoff.
    public func kick(sessionID: String) {
        let now = time.now
        let wake = state.withLock { state -> AsyncEvent? in
            guard var entry = state.entries[sessionID] else { return nil }
            entry.schedule.kick()
            entry.due = min(entry.due, now + entry.schedule.nextDelay)
            state.entries[sessionID] = entry
            return state.wake
        }
        wake?.fire()
    }

    // MARK: The scheduler

    /// Polls the due sessions, batch after batch, until cancelled.
    public func run() async {
        while !Task.isCancelled {
            let (wake, earliest) = state.withLock { state -> (AsyncEvent, Duration?) in
                if state.wake.isFired { state.wake = AsyncEvent() }
                return (state.wake, state.entries.values.map(\.due).min())
            }
            if let earliest {
                let delay = earliest - time.now
                if delay > .zero { _ = await wake.wait(timeout: delay, on: time) }
            } else {
                await wake.wait()
            }
            guard !Task.isCancelled else { break }
            await pollDueSessions()
        }
        finishBatch()
    }

    private func pollDueSessions() async {
        let latest = settings()
        let horizon = time.now + Self.batchWindow
        let due = state.withLock { state -> [(id: String, generation: UInt64, name: String)] in
            let due = state.entries.filter { $0.value.due <= horizon }.map { (id: $0.key, generation: $0.value.generation, name: $0.value.tmuxName) }
            state.batchInFlight = !due.isEmpty
            return due
        }
        guard !due.isEmpty else { return }
        batches.add(1, ordering: .relaxed)
        polls.add(due.count, ordering: .relaxed)
        let results: [Result<PaneSnapshot?, TetherError>]
        let started = time.now
        do {
            results = try await bridge.poll(due.map(\.name))
        } catch {
            let failure = (error as? TetherError) ?? TetherError(.terminal, "\(error)")
            results = Array(repeating: .failure(failure), count: due.count)
        }
        let now = time.now
        batchObserver.withLock { $0 }?(now - started)
        var observations: [(String, Observation)] = []
        var notes: [(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata)] = []
        var finishing: [(id: String, name: String, snapshot: PaneSnapshot?, previousScreen: String?)] = []
        state.withLock { state in
            for (index, session) in due.enumerated() {
                guard var entry = state.entries[session.id], entry.generation == session.generation else { continue }
                if latest != entry.settings {
                    entry.settings = latest
                    entry.schedule = latest.schedule
                }
                switch results[index] {
                case .failure(let error):
                    entry.schedule.pollFailed()
                    notes.append((entry.failing ? .debug : .warning, "poll failed; backing off", [
                        "session.id": "\(session.id)", "tmux.session": "\(session.name)", "error": "\(error)",
                        "retry_ms": "\(entry.schedule.nextDelay.milliseconds)",
                    ]))
                    entry.failing = true
                case .success(nil):
                    state.entries[session.id] = nil
                    finishing.append((session.id, session.name, nil, entry.previousScreen))
                    continue
                case .success(let snapshot?) where snapshot.pane.dead:
                    state.entries[session.id] = nil
                    finishing.append((session.id, session.name, snapshot, entry.previousScreen))
                    continue
                case .success(let snapshot?):
                    if entry.failing {
                        notes.append((.info, "poll recovered", ["session.id": "\(session.id)", "tmux.session": "\(session.name)"]))
                        entry.failing = false
                    }
                    if snapshot.screen != entry.previousScreen {
                        entry.previousScreen = snapshot.screen
                        entry.lastChange = now
                        entry.idleReported = false
                        entry.schedule.screenChanged()
                        observations.append((session.id, .screenChanged(snapshot.screen)))
                    } else {
                        entry.schedule.screenUnchanged()
                        if !entry.idleReported, now - entry.lastChange >= SessionStatus.idleAfter {
                            entry.idleReported = true
                            observations.append((session.id, .becameIdle))
                        }
                    }
                    let path = snapshot.pane.currentPath
                    if !path.isEmpty, path != entry.previousPath {
                        entry.previousPath = path
                        observations.append((session.id, .directoryChanged(path)))
                    }
                }
                entry.due = now + entry.schedule.nextDelay
                state.entries[session.id] = entry
            }
        }
        for note in notes { logger.log(level: note.level, note.message, metadata: note.metadata) }
        for (id, observation) in observations { await observe(id, observation) }
        for ending in finishing { finish(ending.id, ending.name, ending.snapshot, previousScreen: ending.previousScreen) }
        finishBatch()
    }

    private func finishBatch() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.batchInFlight = false
            defer { state.idle.removeAll() }
            return state.idle
        }
        for waiter in waiters { waiter.resume() }
    }

    /// A session whose pane died or which vanished: its final screen (with history) and exit status
    /// are gathered in a task of its own, so a slow one does not hold up the next batch.
    private func finish(_ id: String, _ name: String, _ snapshot: PaneSnapshot?, previousScreen: String?) {
        guard let snapshot else {
            logger.debug("tmux session vanished", metadata: ["session.id": "\(id)", "tmux.session": "\(name)"])
            registry.spawn(name: "poller.exit", onShutdown: .complete) { [observe] in
                await observe(id, .exited(finalScreen: previousScreen ?? "", exitStatus: nil))
            }
            return
        }
        registry.spawn(name: "poller.exit", onShutdown: .complete) { [self] in
            let history = (try? await bridge.capture(name, historyLines: historyLines())) ?? snapshot.screen
            let status = await exitStatus(of: name, pane: snapshot.pane)
            await observe(id, .exited(finalScreen: history, exitStatus: status))
        }
    }

    /// tmux 3.3 sometimes leaves a pane's process unreaped (a zombie) for good when it exits right
    /// after starting; the kernel still has its exit code then, so that is read instead.
    private func exitStatus(of tmuxName: String, pane: PaneState) async -> Int? {
        if let known = pane.exitStatus { return known }
        let deadline = time.now + Self.exitStatusWait
        while time.now < deadline {
            do { try await time.sleep(for: Self.exitStatusRetry) } catch { return nil }
            if let status = (try? await bridge.paneState(tmuxName))??.exitStatus { return status }
        }
        return pane.pid.flatMap { ProcessTable.exitStatus(ofZombie: $0) }
    }
}
