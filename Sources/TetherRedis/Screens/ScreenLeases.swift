/// Who watches which session, until when (instants of the host's monotonic clock): one lease per
/// session and watching computer, so one watcher's release never ends another's watch.
///
/// A value kept under the ``ScreenPublisher``'s lock. Expired leases are dropped when they are
/// looked at and by ``prune(now:)``; at most `limit` leases are held.
struct ScreenLeases {
    struct Watch {
        /// Watcher computer to the instant its lease runs out.
        var expiries: [String: Duration] = [:]
        /// Screens of the bus offered for this session since the watch began: an initial screen
        /// fetched before a newer one arrived must not overwrite it.
        var screensOffered: UInt64 = 0
    }

    /// What a renewal did.
    enum Renewal: Equatable {
        /// A watcher that held no lease got one: it needs the current screen; `seen` is
        /// ``Watch/screensOffered`` at that moment.
        case started(seen: UInt64)
        case renewed
        /// `limit` leases are held already, or the session has its most watchers.
        case refused
    }

    private(set) var watches: [String: Watch] = [:]
    private(set) var count = 0
    let limit: Int

    init(limit: Int) { self.limit = limit }

    /// Gives `watcher` a lease on `session` until `expiry`.
    mutating func renew(_ session: String, watcher: String, until expiry: Duration, now: Duration) -> Renewal {
        prune(session, now: now)
        if watches[session]?.expiries[watcher] != nil {
            watches[session]!.expiries[watcher] = expiry
            return .renewed
        }
        if count >= limit { prune(now: now) }
        guard count < limit, (watches[session]?.expiries.count ?? 0) < ScreenStream.maximumWatchersPerSession else { return .refused }
        watches[session, default: Watch()].expiries[watcher] = expiry
        count += 1
        return .started(seen: watches[session]!.screensOffered)
    }

    /// Ends `watcher`'s lease on `session`, if it held one.
    mutating func release(_ session: String, watcher: String) {
        guard watches[session]?.expiries.removeValue(forKey: watcher) != nil else { return }
        count -= 1
        if watches[session]!.expiries.isEmpty { watches[session] = nil }
    }

    /// Whether a lease on `session` holds at `now`; counts the offer of a screen when one does.
    mutating func offerScreen(_ session: String, now: Duration) -> Bool {
        prune(session, now: now)
        guard watches[session] != nil else { return false }
        watches[session]!.screensOffered += 1
        return true
    }

    /// Whether the bus offered a screen of `session` since `seen`.
    func offeredSince(_ session: String, seen: UInt64) -> Bool {
        (watches[session]?.screensOffered ?? seen) != seen
    }

    /// Drops every lease on `session` (it ended); true when one still held at `now`.
    mutating func end(_ session: String, now: Duration) -> Bool {
        prune(session, now: now)
        guard let watch = watches.removeValue(forKey: session) else { return false }
        count -= watch.expiries.count
        return true
    }

    /// Drops every expired lease.
    mutating func prune(now: Duration) {
        for session in Array(watches.keys) { prune(session, now: now) }
    }

    private mutating func prune(_ session: String, now: Duration) {
        guard var watch = watches[session] else { return }
        let before = watch.expiries.count
        watch.expiries = watch.expiries.filter { $0.value > now }
        count -= before - watch.expiries.count
        watches[session] = watch.expiries.isEmpty ? nil : watch
    }
}
