import Synchronization
import TetherCore
import TetherStore

/// The one place a session change is applied: to the cache, then the store, then the bus.
///
/// The cache comes first because it is the truth for a live session's current version: a change is
/// read from it, applied and put back under one lock, so two changes at once never lose each other.
/// The store comes before the bus so that a change is durable before it is announced: a client that
/// hears an event and asks again (`GET /sessions/{id}` on an ended session, next a peer over Redis)
/// finds the store agreeing, and a crash never forgets what was already announced. That costs one
/// local SQLite write (WAL, `synchronous=NORMAL`) before the event; the hot path does not pay it, as a
/// screen's output event does not wait on the store and its activity is written at most every
/// ``activityPersistInterval``. A write that fails is announced all the same, since the cache the API
/// serves already holds the change, and the error goes to the caller. An announcement a newer
/// version overtook while its write was under way is dropped: the newer one announces itself.
final class SessionRecorder: Sendable {
    /// How often at most a change of activity alone (a new screen) is written to the store as
    /// `last_activity`: often enough that a restart loses at most this much of it, rarely enough that
    /// a busy screen costs no steady stream of writes. Status and directory changes go at once.
    static let activityPersistInterval: Duration = .seconds(5)

    /// When a change goes to the store.
    enum Persistence {
        case always
        /// Only when the status changes or ``activityPersistInterval`` has passed since the last write.
        case throttled
        /// Never on its own (accounting figures): the next real change writes it along.
        case never
    }

    private let cache: SessionCache
    private let store: SessionStore
    private let bus: EventBus
    private let computer: String
    private let time: TimeSource
    /// When each live session was last written; the lock also makes each read-change-write of the cache one step.
    private let lastWritten: Mutex<BoundedDictionary<String, Duration>>

    init(cache: SessionCache, store: SessionStore, bus: EventBus, computer: String, time: TimeSource, boundedState: Int) {
        self.cache = cache
        self.store = store
        self.bus = bus
        self.computer = computer
        self.time = time
        self.lastWritten = Mutex(BoundedDictionary(capacity: boundedState))
    }

    /// A row that is not live yet, or not any more (a creation under way or failed): the store only.
    func recordRow(_ record: SessionRecord) async throws {
        try await store.save(record)
    }

    /// A new session, written before it is cached: until it is cached nothing else can change it, so
    /// a write that fails leaves nothing to take back.
    func recordCreated(_ session: Session) async throws {
        try await store.save(session.record)
        let now = time.now
        lastWritten.withLock { written in
            cache.upsert(session)
            written.updateValue(now, forKey: session.id)
            bus.publish(.created(session))
        }
    }

    /// A session whose tmux outlived the daemon, live again; its row is written when it changed.
    func recordAdopted(_ session: Session, rowChanged: Bool) async throws {
        lastWritten.withLock { _ in _ = cache.upsert(session) }
        try await write(rowChanged ? session.record : nil, thenAnnounce: .updated(session))
    }

    /// A session that ended while the daemon was down (it was never cached).
    func recordVanished(_ ended: Session) async throws {
        try await write(ended.record, thenAnnounce: .ended(ended))
    }

    /// Applies `change` to the live session `id` (nothing when it is not live or nothing changes).
    func update(_ id: String, persist: Persistence = .always, _ change: (inout SessionRecord) -> Void) async throws {
        let now = time.now
        let applied = lastWritten.withLock { written -> (next: Session, write: Bool)? in
            guard let current = cache.session(id), current.computer == computer else { return nil }
            let next = current.updating(change)
            guard next.record != current.record else { return nil }
            cache.upsert(next)
            let write = switch persist {
            case .always: true
            case .never: false
            case .throttled: next.status != current.status || written.peek(id).map { now - $0 >= Self.activityPersistInterval } ?? true
            }
            if write { written.updateValue(now, forKey: id) } else { bus.publish(.updated(next)) }
            return (next, write)
        }
        guard let applied, applied.write else { return }
        do {
            try await store.save(applied.next.record)
        } catch {
            announceUnlessOvertaken(applied.next)
            throw error
        }
        announceUnlessOvertaken(applied.next)
    }

    /// Ends the live session `id` (from `fallback` when the cache no longer has it): out of the cache
    /// with `change` applied, its final row written, then announced.
    func recordEnded(_ id: String, fallback: Session, _ change: (inout SessionRecord) -> Void) async throws -> Session {
        let ended = lastWritten.withLock { written -> Session in
            let ended = (cache.session(id) ?? fallback).updating(change)
            cache.remove(sessionID: id)
            bus.forget(sessionID: id)
            written.removeValue(forKey: id)
            return ended
        }
        try await write(ended.record, thenAnnounce: .ended(ended))
        return ended
    }

    /// Events that change no record: a new screen, a new directory, an exit (its end follows).
    func announce(_ event: SessionEvent) {
        bus.publish(event)
    }

    private func write(_ record: SessionRecord?, thenAnnounce event: SessionEvent) async throws {
        var failure: (any Error)?
        if let record {
            do { try await store.save(record) } catch { failure = error }
        }
        bus.publish(event)
        if let failure { throw failure }
    }

    /// Announces `session` unless the cache has moved past it (a newer version) or it has ended.
    private func announceUnlessOvertaken(_ session: Session) {
        lastWritten.withLock { _ in
            guard cache.session(session.id)?.version == session.version else { return }
            bus.publish(.updated(session))
        }
    }
}
