import Logging
import Synchronization
import TetherCore

/// Watches each live session's screen: exactly one poll schedule per session, kept in one table and
/// served by one scheduler, ``run(delivering:)``.
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
///
/// The poller holds no reference to whoever records what it finds: the observations go to the
/// delivery that ``run(delivering:)`` is given, so the recorder may itself start and stop schedules.
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

    /// What a poll found; the daemon turns these into record changes and bus events.
    public enum Observation: Sendable {
        case screenChanged(String)
        /// The same screen again, within ``PollEntry/settleWindow`` of its last change: what an
        /// agent's screen reader needs to see a screen hold (idle for a few polls) without being
        /// handed every poll of every quiet session.
        case screenUnchanged(String)
        case directoryChanged(String)
        case becameIdle
        case exited(finalScreen: String, exitStatus: Int?)
    }

    /// Where the observations go: called in order per session, and awaited, so a batch is done only
    /// once what it found has been handled.
    public typealias Delivery = @Sendable (_ sessionID: String, _ observation: Observation) async -> Void

    /// Sessions due within this much of the earliest are polled in the same batch: wide enough that
    /// schedules a few milliseconds apart share a wake-up and a round trip, narrow enough that no
    /// session is polled noticeably early.
    public static let batchWindow: Duration = .milliseconds(50)
    /// How long to wait for the exit status of a pane seen dead: tmux marks a pane dead when its
    /// terminal closes and learns the status a moment later, when it reaps the process.
    public static let exitStatusWait: Duration = .milliseconds(250)
    /// How often the pane is asked again within ``exitStatusWait``: ten looks, each one cheap
    /// `display-message`, so the status is taken within a few milliseconds of tmux learning it.
    static let exitStatusRetry: Duration = .milliseconds(25)

    /// The scheduler's life: ``finish()`` moves `running` to `stopping`; the scheduler then takes its
    /// last look (`lastLook`) and ends (`stopped`). `finish()` before `run` skips straight to `stopped`.
    enum Phase { case idle, running, stopping, lastLook, stopped }

    struct State {
        var entries: [String: PollEntry] = [:]
        var nextGeneration: UInt64 = 0
        var wake = AsyncEvent()
        var phase = Phase.idle
        var batchInFlight = false
        var idle: [CheckedContinuation<Void, Never>] = []

        /// Marks the batch done and hands back those waiting for it (``waitUntilStopped()``).
        mutating func batchEnded() -> [CheckedContinuation<Void, Never>] {
            batchInFlight = false
            defer { idle.removeAll() }
            return idle
        }
    }

    let bridge: TerminalBridge
    let time: TimeSource
    let settings: @Sendable () -> Settings
    let historyLines: @Sendable () -> Int
    let logger: Logger
    let state = Mutex(State())
    let stopped = AsyncEvent()
    let polls = Atomic<Int>(0)
    let batches = Atomic<Int>(0)
    let batchObserver = Mutex<(@Sendable (Duration) -> Void)?>(nil)

    public init(bridge: TerminalBridge, time: TimeSource, settings: @escaping @Sendable () -> Settings,
                historyLines: @escaping @Sendable () -> Int, logger: Logger) {
        self.bridge = bridge
        self.time = time
        self.settings = settings
        self.historyLines = historyLines
        self.logger = logger
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

    /// Whether `sessionID` has a schedule now.
    public func isPolling(_ sessionID: String) -> Bool { state.withLock { $0.entries[sessionID] != nil } }

    /// Gives `sessionID` a schedule, first poll at once, unless it already has one (never two).
    public func start(sessionID: String, tmuxName: String, directory: String?) {
        let current = settings()
        let now = time.now
        let wake = state.withLock { state -> AsyncEvent? in
            guard state.entries[sessionID] == nil else { return nil }
            state.nextGeneration += 1
            state.entries[sessionID] = PollEntry(sessionID: sessionID, generation: state.nextGeneration, tmuxName: tmuxName,
                                                 settings: current, directory: directory, now: now)
            return state.wake
        }
        wake?.fire()
    }

    /// Ends a session's schedule (on close); its state goes with it.
    public func stop(sessionID: String) {
        state.withLock { _ = $0.entries.removeValue(forKey: sessionID) }
    }

    /// Ends every schedule at once, without a last look (a benchmark's switch of approach).
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

    // MARK: Stopping

    /// Stops gracefully, without cancellation: no new batch is scheduled, the batch in flight
    /// completes, every session is polled once more (so an exit just before the stop is recorded
    /// with its final screen), and this returns once ``run(delivering:)`` has delivered all it found,
    /// exits included, and returned. Each step is bounded by the bridge's per-command deadlines.
    /// Returns at once when the scheduler is not running, or when the caller is cancelled.
    public func finish() async {
        let (wake, wait) = state.withLock { state -> (AsyncEvent?, Bool) in
            switch state.phase {
            case .idle:
                state.phase = .stopped
                return (nil, false)
            case .running:
                state.phase = .stopping
                return (state.wake, true)
            case .stopping, .lastLook:
                return (nil, true)
            case .stopped:
                return (nil, false)
            }
        }
        wake?.fire()
        if wait { await stopped.wait() } else { stopped.fire() }
    }
}
