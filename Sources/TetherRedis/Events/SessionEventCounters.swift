import Synchronization

/// What the session events between computers have done (PROTOCOL.md §4), for `/metrics`.
public struct SessionEventCounters: Sendable, Equatable {
    /// Entries written to peers' `session_events:{peer}` streams (one per change and peer).
    public var pushed = 0
    /// Writes that failed (Redis away or refusing); the change is retried when the link is back.
    public var pushFailures = 0
    /// Changes dropped from the full push queue (the oldest go first) while Redis was slow or away.
    public var dropped = 0
    /// Changes replaced in the push queue by a newer one of the same session before they were sent.
    public var coalesced = 0
    /// `session_updated` / `session_removed` payloads read from this computer's stream.
    public var received = 0
    /// Payloads skipped as malformed (not JSON, no `session_id`, wrong types, too large).
    public var rejected = 0
    /// Payloads read and deliberately not applied: other event names, echoes of this computer's own
    /// sessions, a peer relaying another computer's sessions (§9 defect 11).
    public var ignored = 0
    /// `list_sessions` pulls from peers that answered (on gaining interest, or a new peer).
    public var bootstraps = 0

    /// All zero.
    public init() {}
}

/// The counters the pusher and the reader share (the component reads them for `/metrics`).
public final class SessionEventTally: Sendable {
    private let counters = Mutex(SessionEventCounters())

    /// All zero.
    public init() {}

    /// The counts now.
    public var current: SessionEventCounters { counters.withLock { $0 } }

    func add(_ change: (inout SessionEventCounters) -> Void) {
        counters.withLock { change(&$0) }
    }
}
