import Synchronization

/// What the supervisor knows of each component's health: started or not, and when it last beat.
public final class HealthBoard: Sendable {
    /// A component is stale when it has not beaten for this many heartbeat intervals.
    public static let staleFactor = 3

    /// Where a component is in its life.
    public enum Phase: String, Sendable {
        case starting, running, stopping, stopped, failed
    }

    /// One component as seen now.
    public struct Report: Sendable, Equatable {
        public let name: String
        public let phase: Phase
        public let sinceLastBeat: Duration
        public let isStale: Bool
    }

    private struct Entry {
        var interval: Duration
        var phase = Phase.starting
        var lastBeat: Duration
        let started = AsyncEvent()
    }

    /// Components' conditions while they serve degraded, for `STATUS=` and `/status`.
    public let conditions = ComponentConditions()
    private let time: TimeSource
    private let entries = Mutex<[String: Entry]>([:])
    private let allStarted = AsyncEvent()

    public init(time: TimeSource) {
        self.time = time
    }

    /// Adds a component before it starts.
    public func register(_ name: String, heartbeatInterval: Duration) {
        let now = time.now
        entries.withLock { $0[name] = Entry(interval: heartbeatInterval, lastBeat: now) }
    }

    func markStarted(_ name: String) {
        let now = time.now
        let (started, everyoneStarted) = entries.withLock { entries -> (AsyncEvent?, Bool) in
            if entries[name]?.phase == .starting { entries[name]?.phase = .running }
            entries[name]?.lastBeat = now
            return (entries[name]?.started, entries.values.allSatisfy { $0.phase != .starting })
        }
        started?.fire()
        if everyoneStarted { allStarted.fire() }
    }

    /// The event that fires when `name` reports started (nil for an unknown name).
    public func startedEvent(_ name: String) -> AsyncEvent? {
        entries.withLock { $0[name]?.started }
    }

    /// Records that the supervisor asked `name` to stop: it is no longer expected to beat.
    public func markStopping(_ name: String) {
        entries.withLock { entries in
            if entries[name]?.phase == .running || entries[name]?.phase == .starting { entries[name]?.phase = .stopping }
        }
    }

    func beat(_ name: String) {
        let now = time.now
        entries.withLock { $0[name]?.lastBeat = now }
    }

    /// Records that a component's `run()` ended, cleanly or with an error.
    public func markFinished(_ name: String, failed: Bool) {
        entries.withLock { $0[name]?.phase = failed ? .failed : .stopped }
    }

    /// Suspends until every registered component has called `started()` (or the caller is cancelled).
    public func waitUntilAllStarted() async {
        if entries.withLock({ $0.values.allSatisfy { $0.phase != .starting } }) { allStarted.fire() }
        await allStarted.wait()
    }

    /// The components that are running but have not beaten in time, or that failed; sorted.
    public func unhealthy() -> [String] {
        reports().filter { $0.isStale }.map(\.name)
    }

    /// Every component, sorted by name.
    public func reports() -> [Report] {
        let now = time.now
        return entries.withLock { entries in
            entries.map { name, entry in
                let since = now - entry.lastBeat
                let stale: Bool
                switch entry.phase {
                case .running: stale = since > entry.interval * Self.staleFactor
                case .failed: stale = true
                case .starting, .stopping, .stopped: stale = false
                }
                return Report(name: name, phase: entry.phase, sinceLastBeat: since, isStale: stale)
            }
        }.sorted { $0.name < $1.name }
    }
}
