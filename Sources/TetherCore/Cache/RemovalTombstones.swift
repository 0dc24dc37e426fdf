/// Removals of peers' sessions, remembered for the cache's staleness window.
///
/// A peer expects a session it removed to stay removed: ids are never reused, and the Python
/// receivers never resurrect one. Without a memory of the removal, an update stamped before it but
/// delivered after it (a `list_sessions` reply taken before the removal, an event handled out of
/// order, a peer's retry) would bring the session back until it went stale. An update stamped no
/// later than the removal is refused; one stamped after it is the host saying the session lives
/// (its clock stepped, or the removal was a mistake) and is believed. After the window, a late
/// update would have been stale anyway, so the removal is forgotten; the count is bounded too.
struct RemovalTombstones {
    private struct Tombstone {
        let computer: String
        let stamp: Timestamp
        let recordedAt: Duration
    }

    private var entries: [String: Tombstone] = [:]
    let lifetime: Duration
    let capacity: Int

    init(lifetime: Duration, capacity: Int) {
        self.lifetime = lifetime
        self.capacity = max(1, capacity)
    }

    var count: Int { entries.count }

    /// Whether `session` is a late update of a removed session; an update newer than the removal,
    /// or one arriving after the window, clears the tombstone instead.
    mutating func buries(_ session: Session, now: Duration) -> Bool {
        guard let tombstone = entries[session.id], tombstone.computer == session.computer else { return false }
        if now - tombstone.recordedAt > lifetime || SessionOrdering.stamp(of: session) > tombstone.stamp {
            entries[session.id] = nil
            return false
        }
        return true
    }

    /// Remembers that `computer` removed `id` at `stamp`; the later of two removals is kept.
    mutating func record(id: String, computer: String, stamp: Timestamp, now: Duration) {
        if let existing = entries[id], existing.computer == computer, existing.stamp > stamp { return }
        if entries[id] == nil, entries.count >= capacity { makeRoom(now: now) }
        entries[id] = Tombstone(computer: computer, stamp: stamp, recordedAt: now)
    }

    /// Drops expired tombstones, then the oldest while still full: O(n), and only when full.
    private mutating func makeRoom(now: Duration) {
        entries = entries.filter { now - $0.value.recordedAt <= lifetime }
        while entries.count >= capacity, let oldest = entries.min(by: { $0.value.recordedAt < $1.value.recordedAt }) {
            entries[oldest.key] = nil
        }
    }
}
