import Synchronization

/// What changed in the ``SessionCache``; subscribers get these through bounded buffers.
public enum CacheChange: Sendable {
    case sessionUpdated(Session)
    case sessionRemoved(id: String, computer: String)
    case computerUpdated(ComputerInfo)
    case projectsUpdated(computer: String, projects: [Project])
}

/// Computers, sessions and projects, local and remote, with staleness on an injected clock.
///
/// Secondary indexes by computer and by status are maintained inside the setters, so a query costs
/// O(k) in the sessions that match, not O(n) in all of them. Local sessions never go stale; remote
/// ones (and computers) do after `staleAfter` without an update. Reads count hits and misses.
/// Updates never go backwards: local sessions by version, peers' by their host's stamp, and a peer's
/// removal is remembered for `staleAfter` (``SessionOrdering``, ``removeRemote(sessionID:computer:hostStamp:)``).
/// Subscribers get changes through buffers of `changeBufferSize`: when one falls behind, its oldest
/// changes are dropped (and counted) rather than making a writer wait.
public final class SessionCache: Sendable {
    /// How long a remote entry counts as fresh after its last update. Twice a heartbeat's 60 s TTL
    /// (PROTOCOL.md §1): a peer that misses one refresh round keeps its sessions, one that is gone
    /// loses them within two minutes. Also how long a peer's removal is remembered.
    public static let defaultStaleAfter: Duration = .seconds(120)
    /// Changes buffered per subscriber before the oldest are dropped.
    public static let defaultChangeBufferSize = 1024
    /// Peers' removals remembered at most. Peers remove sessions at human pace, so 4096 within one
    /// staleness window is far beyond any real one and caps what a misbehaving peer can make us hold.
    public static let defaultRemovalMemory = 4096

    private struct Entry {
        var session: Session
        var storedAt: Duration
    }

    private struct State {
        var sessions: [String: Entry] = [:]
        var byComputer: [String: Set<String>] = [:]
        var byStatus: [SessionStatus: Set<String>] = [:]
        var computers: [String: (info: ComputerInfo, storedAt: Duration)] = [:]
        var projects: [String: [Project]] = [:]
        var removals: RemovalTombstones
        var subscribers: [Int: AsyncStream<CacheChange>.Continuation] = [:]
        var nextSubscriber = 0
        var hits = 0
        var misses = 0
        var droppedChanges = 0
        var refusedUpdates = 0
    }

    public let localComputer: String
    public let staleAfter: Duration
    private let changeBufferSize: Int
    private let time: TimeSource
    private let state: Mutex<State>

    public init(localComputer: String, time: TimeSource, staleAfter: Duration = defaultStaleAfter,
                changeBufferSize: Int = defaultChangeBufferSize, removalMemory: Int = defaultRemovalMemory) {
        self.localComputer = localComputer
        self.time = time
        self.staleAfter = staleAfter
        self.changeBufferSize = max(1, changeBufferSize)
        self.state = Mutex(State(removals: RemovalTombstones(lifetime: staleAfter, capacity: removalMemory)))
    }

    // MARK: Sessions

    /// Inserts or replaces a session, keeping both indexes right, and returns whether it was stored.
    /// An older version never replaces a newer one (``SessionOrdering``), a peer never replaces a
    /// local session, and a peer's update stamped no later than its removal does not bring it back.
    @discardableResult
    public func upsert(_ session: Session) -> Bool {
        let now = time.now
        let stored = state.withLock { state -> Bool in
            let id = session.id
            if let old = state.sessions[id] {
                let heldIsStale = !isFresh(old, now: now)
                guard SessionOrdering.accepts(session, over: old.session, heldIsStale: heldIsStale, localComputer: localComputer) else {
                    state.refusedUpdates += 1
                    return false
                }
                Self.unindex(old.session, in: &state)
            } else if session.computer != localComputer, state.removals.buries(session, now: now) {
                state.refusedUpdates += 1
                return false
            }
            state.sessions[id] = Entry(session: session, storedAt: now)
            state.byComputer[session.computer, default: []].insert(id)
            state.byStatus[session.status, default: []].insert(id)
            return true
        }
        if stored { broadcast(.sessionUpdated(session)) }
        return stored
    }

    /// A peer's removal of its session `sessionID`, as its host stamped it (the event's `timestamp`).
    ///
    /// Refused (false) when the cached session belongs to another computer (a peer cannot remove
    /// what it does not host) or holds a newer stamp than the removal. Otherwise the removal is
    /// remembered for `staleAfter`, also when the session is not cached (the removal overtook its
    /// last update); true when a cached session was removed.
    @discardableResult
    public func removeRemote(sessionID: String, computer: String, hostStamp: Timestamp) -> Bool {
        guard computer != localComputer else { return false }
        let now = time.now
        let removed = state.withLock { state -> Session? in
            if let held = state.sessions[sessionID] {
                guard held.session.computer == computer,
                      !isFresh(held, now: now) || SessionOrdering.stamp(of: held.session) <= hostStamp
                else {
                    state.refusedUpdates += 1
                    return nil
                }
                state.sessions[sessionID] = nil
                Self.unindex(held.session, in: &state)
                state.removals.record(id: sessionID, computer: computer, stamp: hostStamp, now: now)
                return held.session
            }
            state.removals.record(id: sessionID, computer: computer, stamp: hostStamp, now: now)
            return nil
        }
        if let removed { broadcast(.sessionRemoved(id: removed.id, computer: removed.computer)) }
        return removed != nil
    }

    /// Removes a session (this daemon's own, when it ends); does nothing when it is not cached.
    public func remove(sessionID: String) {
        let removed = state.withLock { state -> Session? in
            guard let entry = state.sessions.removeValue(forKey: sessionID) else { return nil }
            Self.unindex(entry.session, in: &state)
            return entry.session
        }
        if let removed { broadcast(.sessionRemoved(id: removed.id, computer: removed.computer)) }
    }

    private static func unindex(_ session: Session, in state: inout State) {
        let id = session.id
        if state.byComputer[session.computer]?.remove(id) != nil, state.byComputer[session.computer]?.isEmpty == true {
            state.byComputer[session.computer] = nil
        }
        if state.byStatus[session.status]?.remove(id) != nil, state.byStatus[session.status]?.isEmpty == true {
            state.byStatus[session.status] = nil
        }
    }

    /// One session, or nil when absent or stale.
    public func session(_ id: String) -> Session? {
        let now = time.now
        return state.withLock { state in
            guard let entry = state.sessions[id], isFresh(entry, now: now) else {
                state.misses += 1
                return nil
            }
            state.hits += 1
            return entry.session
        }
    }

    /// Fresh sessions on `computer`, optionally only those with one of `statuses`; newest activity first.
    /// O(k) in the sessions of that computer.
    public func sessions(computer: String, statuses: Set<SessionStatus>? = nil) -> [Session] {
        let now = time.now
        let found = state.withLock { state -> [Session] in
            guard let ids = state.byComputer[computer] else { return [] }
            var result: [Session] = []
            result.reserveCapacity(ids.count)
            for id in ids {
                guard let entry = state.sessions[id], isFresh(entry, now: now) else { continue }
                if let statuses, !statuses.contains(entry.session.status) { continue }
                result.append(entry.session)
            }
            return result
        }
        return found.sorted(by: Self.newestFirst)
    }

    /// Fresh sessions with one of `statuses`, on every computer; O(k) in the sessions with those statuses.
    public func sessions(statuses: Set<SessionStatus>) -> [Session] {
        let now = time.now
        let found = state.withLock { state -> [Session] in
            var result: [Session] = []
            for status in statuses {
                for id in state.byStatus[status] ?? [] {
                    if let entry = state.sessions[id], isFresh(entry, now: now) { result.append(entry.session) }
                }
            }
            return result
        }
        return found.sorted(by: Self.newestFirst)
    }

    /// Every fresh session: O(n), for listings that want them all.
    public func allSessions() -> [Session] {
        let now = time.now
        let found = state.withLock { state in state.sessions.values.filter { isFresh($0, now: now) }.map(\.session) }
        return found.sorted(by: Self.newestFirst)
    }

    /// The same answer as ``sessions(computer:statuses:)`` by scanning everything: the oracle for tests
    /// and the baseline for benchmarks.
    public func sessionsByLinearScan(computer: String, statuses: Set<SessionStatus>? = nil) -> [Session] {
        let now = time.now
        let found = state.withLock { state in
            state.sessions.values.filter {
                $0.session.computer == computer && isFresh($0, now: now) && (statuses?.contains($0.session.status) ?? true)
            }.map(\.session)
        }
        return found.sorted(by: Self.newestFirst)
    }

    private static func newestFirst(_ lhs: Session, _ rhs: Session) -> Bool {
        lhs.record.lastActivity != rhs.record.lastActivity ? lhs.record.lastActivity > rhs.record.lastActivity : lhs.id < rhs.id
    }

    private func isFresh(_ entry: Entry, now: Duration) -> Bool {
        entry.session.computer == localComputer || now - entry.storedAt <= staleAfter
    }

    // MARK: Computers and projects

    public func upsert(computer: ComputerInfo) {
        let now = time.now
        state.withLock { $0.computers[computer.name] = (computer, now) }
        broadcast(.computerUpdated(computer))
    }

    /// Fresh computers, the local one first.
    public func computers() -> [ComputerInfo] {
        let now = time.now
        let all = state.withLock { state in
            state.computers.values.filter { $0.info.isLocal || now - $0.storedAt <= staleAfter }.map(\.info)
        }
        return all.sorted { ($0.isLocal ? 0 : 1, $0.name) < ($1.isLocal ? 0 : 1, $1.name) }
    }

    public func setProjects(_ projects: [Project], computer: String) {
        state.withLock { $0.projects[computer] = projects }
        broadcast(.projectsUpdated(computer: computer, projects: projects))
    }

    public func projects(computer: String) -> [Project] {
        state.withLock { $0.projects[computer] ?? [] }
    }

    // MARK: Counters and changes

    public struct Statistics: Sendable, Equatable {
        public var sessions: Int
        public var hits: Int
        public var misses: Int
        public var droppedChanges: Int
        /// Updates and removals refused as older than what the cache holds, or from the wrong host.
        public var refusedUpdates: Int
        /// Peers' removals remembered now.
        public var rememberedRemovals: Int
    }

    public var statistics: Statistics {
        state.withLock {
            Statistics(sessions: $0.sessions.count, hits: $0.hits, misses: $0.misses, droppedChanges: $0.droppedChanges,
                       refusedUpdates: $0.refusedUpdates, rememberedRemovals: $0.removals.count)
        }
    }

    /// A stream of every change from now on, buffered up to `changeBufferSize`; ends when the
    /// consumer stops iterating.
    public func changes() -> AsyncStream<CacheChange> {
        let (stream, continuation) = AsyncStream.makeStream(of: CacheChange.self, bufferingPolicy: .bufferingNewest(changeBufferSize))
        let id = state.withLock { state -> Int in
            state.nextSubscriber += 1
            state.subscribers[state.nextSubscriber] = continuation
            return state.nextSubscriber
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }

    private func broadcast(_ change: CacheChange) {
        let subscribers = state.withLock { Array($0.subscribers.values) }
        var dropped = 0
        for subscriber in subscribers {
            if case .dropped = subscriber.yield(change) { dropped += 1 }
        }
        if dropped > 0 { state.withLock { $0.droppedChanges += dropped } }
    }
}
