import Logging
import Synchronization
import TetherCore

/// Watches each live session's screen: exactly one poll schedule per session, each a registry task.
///
/// The schedule is a ``PollSchedule`` on `polling.*` (read again each round, so a reload applies at
/// once): fast while the screen changes, backing off while it is idle, fast again on a change or on
/// input (``kick(sessionID:)``). It reports `screenChanged` only when the visible screen differs
/// from the last poll, `directoryChanged` when the pane's directory moves, `becameIdle` after
/// ``SessionStatus/idleAfter`` without a change, and `exited` with the final screen and its history
/// when the pane's process has ended or the session has vanished; then the poller ends. Its
/// previous-screen state lives in the task, so stopping the task frees it.
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
    }

    /// What a poller reports; the session manager turns these into record changes and bus events.
    public enum Observation: Sendable {
        case screenChanged(String)
        case directoryChanged(String)
        case becameIdle
        case exited(finalScreen: String, exitStatus: Int?)
    }

    private final class Entry: Sendable {
        let handle: Mutex<TaskHandle?> = Mutex(nil)
        let kicked = Mutex(AsyncEvent())

        func kick() { kicked.withLock { $0 }.fire() }

        /// The current kick event, replaced by a fresh one once it has fired.
        func nextKick() -> AsyncEvent {
            kicked.withLock { event in
                if event.isFired { event = AsyncEvent() }
                return event
            }
        }
    }

    private let bridge: TerminalBridge
    private let registry: TaskRegistry
    private let time: TimeSource
    private let settings: @Sendable () -> Settings
    private let historyLines: @Sendable () -> Int
    private let observe: @Sendable (String, Observation) async -> Void
    private let logger: Logger
    private let entries = Mutex<[String: Entry]>([:])
    private let polls = Atomic<Int>(0)

    /// `observe` is called from the session's poller task, in order, for each observation.
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

    /// Sessions being polled now.
    public var activeCount: Int { entries.withLock { $0.count } }
    /// Polls done since start, by every poller.
    public var pollCount: Int { polls.load(ordering: .relaxed) }

    public func isPolling(_ sessionID: String) -> Bool { entries.withLock { $0[sessionID] != nil } }

    /// Starts polling `tmuxName` for `sessionID`, unless it is already polled (never two schedules).
    public func start(sessionID: String, tmuxName: String, directory: String?) {
        let entry = Entry()
        let inserted = entries.withLock { entries -> Bool in
            guard entries[sessionID] == nil else { return false }
            entries[sessionID] = entry
            return true
        }
        guard inserted else { return }
        let handle = registry.spawn(name: "poller.\(sessionID.prefix(8))") { [self] in
            defer { entries.withLock { if $0[sessionID] === entry { $0[sessionID] = nil } } }
            await poll(sessionID: sessionID, tmuxName: tmuxName, directory: directory, entry: entry)
        }
        entry.handle.withLock { $0 = handle }
    }

    /// Stops polling a session (on close); its state goes with its task.
    public func stop(sessionID: String) {
        let entry = entries.withLock { $0.removeValue(forKey: sessionID) }
        entry?.handle.withLock { $0 }?.cancel()
    }

    /// Stops every poller (at shutdown).
    public func stopAll() {
        let all = entries.withLock { $0.values.map { $0 } }
        for entry in all { entry.handle.withLock { $0 }?.cancel() }
    }

    /// Suspends until no poller runs (or the caller is cancelled).
    public func waitUntilStopped() async {
        while true {
            let handles = entries.withLock { $0.values.compactMap { $0.handle.withLock { $0 } } }
            guard let next = handles.first else { return }
            await next.waitUntilFinished()
            if Task.isCancelled { return }
        }
    }

    /// Input went to the session: poll it soon, whatever its idle backoff.
    public func kick(sessionID: String) {
        entries.withLock { $0[sessionID] }?.kick()
    }

    private func poll(sessionID: String, tmuxName: String, directory: String?, entry: Entry) async {
        var current = settings()
        var schedule = PollSchedule(minInterval: current.minInterval, interval: current.interval, maxInterval: current.maxInterval)
        var previousScreen: String?
        var previousPath = directory
        var lastChange = time.now
        var idleReported = false
        var failing = false
        let metadata: Logger.Metadata = ["session.id": "\(sessionID)", "tmux.session": "\(tmuxName)"]
        var first = true
        while !Task.isCancelled {
            if !first {
                let kick = entry.nextKick()
                // A kick (input) ends the wait early.
                if await kick.wait(timeout: schedule.nextDelay, on: time) { schedule.kick() }
                guard !Task.isCancelled else { return }
            }
            first = false
            let latest = settings()
            if latest != current {
                current = latest
                schedule = PollSchedule(minInterval: current.minInterval, interval: current.interval, maxInterval: current.maxInterval)
            }
            polls.add(1, ordering: .relaxed)
            let snapshot: PaneSnapshot?
            do {
                snapshot = try await bridge.poll(tmuxName)
            } catch is CancellationError {
                return
            } catch {
                schedule.pollFailed()
                var failed = metadata
                failed["error"] = "\(error)"
                failed["retry_ms"] = "\(schedule.nextDelay.milliseconds)"
                logger.log(level: failing ? .debug : .warning, "poll failed; backing off", metadata: failed)
                failing = true
                continue
            }
            if failing {
                logger.info("poll recovered", metadata: metadata)
                failing = false
            }
            guard let snapshot else {
                logger.debug("tmux session vanished", metadata: metadata)
                await observe(sessionID, .exited(finalScreen: previousScreen ?? "", exitStatus: nil))
                return
            }
            if snapshot.pane.dead {
                let history = (try? await bridge.capture(tmuxName, historyLines: historyLines())) ?? snapshot.screen
                let status = await exitStatus(of: tmuxName, pane: snapshot.pane)
                await observe(sessionID, .exited(finalScreen: history, exitStatus: status))
                return
            }
            if snapshot.screen != previousScreen {
                previousScreen = snapshot.screen
                lastChange = time.now
                idleReported = false
                schedule.screenChanged()
                await observe(sessionID, .screenChanged(snapshot.screen))
            } else {
                schedule.screenUnchanged()
                if !idleReported, time.now - lastChange >= SessionStatus.idleAfter {
                    idleReported = true
                    await observe(sessionID, .becameIdle)
                }
            }
            if !snapshot.pane.currentPath.isEmpty, snapshot.pane.currentPath != previousPath {
                previousPath = snapshot.pane.currentPath
                await observe(sessionID, .directoryChanged(snapshot.pane.currentPath))
            }
        }
    }

    /// How long to wait for the exit status of a pane seen dead: tmux marks a pane dead when its
    /// terminal closes and learns the status a moment later, when it reaps the process.
    public static let exitStatusWait: Duration = .milliseconds(250)
    private static let exitStatusRetry: Duration = .milliseconds(25)

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
