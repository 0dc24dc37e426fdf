import TetherCore

/// What the session-event reader remembers about peers between rounds: the last discovery round
/// it looked at, and which peers it pulled `list_sessions` from while interested.
struct PeerFollower {
    /// The discovery round last looked at; departures are judged only when a new round finished,
    /// so a Redis outage (the directory emptied, no round) removes nobody.
    var round = 0
    /// Peers pulled in this interest period.
    var bootstrapped: Set<String> = []
    /// Peers that did not answer, and when they may be asked again.
    var retryAt: [String: Duration] = [:]
    /// The reader's link reconnections seen so far.
    var reconnects = 0

    /// Interest was lost: the next period pulls every peer again.
    mutating func forgetBootstraps() {
        bootstrapped.removeAll()
        retryAt.removeAll()
    }

    /// Online peers not pulled yet in this period and not waiting out a failed pull at `now`.
    func due(_ online: [String], now: Duration) -> [String] {
        online.filter { !bootstrapped.contains($0) && (retryAt[$0].map { now >= $0 } ?? true) }
    }
}
