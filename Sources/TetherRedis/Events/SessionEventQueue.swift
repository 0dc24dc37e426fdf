import TetherCore

/// The changes of this computer's sessions not yet pushed to the peers: bounded, one entry per
/// session (a newer change replaces the pending one in place), the oldest dropped when full.
///
/// Peers only need each session's latest state, so coalescing loses nothing they would act on,
/// and a Redis that is slow or away costs at most `capacity` sessions' worth of memory.
struct SessionEventQueue {
    enum Change: Sendable {
        case updated(Session)
        case removed(sessionID: String)
    }

    /// One change and the wall-clock time it happened (the payload's `timestamp`).
    struct Pending: Sendable {
        let sessionID: String
        let change: Change
        let at: Timestamp
    }

    enum Outcome: Equatable {
        case queued
        case coalesced
        /// Queued after dropping the oldest pending change.
        case droppedOldest
    }

    let capacity: Int
    private var pending: [String: Pending] = [:]
    /// Session ids, oldest change first.
    private var order: [String] = []

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    var count: Int { pending.count }
    var isEmpty: Bool { pending.isEmpty }

    mutating func append(_ item: Pending) -> Outcome {
        if pending[item.sessionID] != nil {
            pending[item.sessionID] = item
            return .coalesced
        }
        var outcome = Outcome.queued
        if pending.count >= capacity, let oldest = order.first {
            order.removeFirst()
            pending[oldest] = nil
            outcome = .droppedOldest
        }
        pending[item.sessionID] = item
        order.append(item.sessionID)
        return outcome
    }

    /// Up to `limit` changes, oldest first, taken out of the queue.
    mutating func take(_ limit: Int) -> [Pending] {
        let ids = order.prefix(limit)
        order.removeFirst(ids.count)
        return ids.compactMap { pending.removeValue(forKey: $0) }
    }

    /// Puts back changes that could not be sent, ahead of the rest, unless a newer change of the
    /// same session arrived meanwhile; returns how many were dropped to stay within capacity.
    mutating func restore(_ items: [Pending]) -> Int {
        let back = items.filter { pending[$0.sessionID] == nil }
        for item in back { pending[item.sessionID] = item }
        order.insert(contentsOf: back.map(\.sessionID), at: 0)
        var dropped = 0
        while pending.count > capacity, let oldest = order.first {
            order.removeFirst()
            pending[oldest] = nil
            dropped += 1
        }
        return dropped
    }
}
