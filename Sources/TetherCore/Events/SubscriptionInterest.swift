import Synchronization

/// Which topics this daemon's clients want (PROTOCOL.md §4, §6): the union of every subscriber's
/// topics, recomputed on each subscribe, unsubscribe and disconnect.
///
/// The API's WebSocket hub reports each client's topics here; the Redis heartbeat reads
/// ``topics`` as `interested_in`, and the stream reader whether to read `session_events`. Neither
/// side imports the other.
public final class SubscriptionInterest: Sendable {
    private struct State {
        var bySubscriber: [Int: Set<String>] = [:]
        var union: Set<String> = []
        var changes: UInt64 = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// The topics any subscriber wants now.
    public var topics: Set<String> { state.withLock { $0.union } }

    /// `interested_in` as the heartbeat writes it: sorted, so two beats with the same interest match.
    public var heartbeatTopics: [String] { topics.sorted() }

    /// Whether some subscriber wants `topic`.
    public func wants(_ topic: String) -> Bool { state.withLock { $0.union.contains(topic) } }

    /// Grows by one whenever the union changes; a reader can tell it must act (pull `list_sessions`
    /// when `sessions` appears) without comparing sets.
    public var changeCount: UInt64 { state.withLock { $0.changes } }

    /// `subscriber` now wants exactly `topics` (empty: nothing, as after its last unsubscribe).
    public func update(subscriber: Int, topics: Set<String>) {
        state.withLock { state in
            if topics.isEmpty { state.bySubscriber[subscriber] = nil } else { state.bySubscriber[subscriber] = topics }
            Self.recompute(&state)
        }
    }

    /// `subscriber` went away; its topics leave the union unless another subscriber wants them too.
    public func remove(subscriber: Int) {
        state.withLock { state in
            guard state.bySubscriber.removeValue(forKey: subscriber) != nil else { return }
            Self.recompute(&state)
        }
    }

    private static func recompute(_ state: inout State) {
        let union = state.bySubscriber.values.reduce(into: Set<String>()) { $0.formUnion($1) }
        if union != state.union {
            state.union = union
            state.changes += 1
        }
    }
}
