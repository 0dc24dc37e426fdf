import Synchronization

/// The online peers as discovery last saw them, shared with the status page and the event pusher.
///
/// Discovery is its only writer; each round replaces what it read, so a peer whose key is gone
/// leaves at once.
public final class PeerDirectory: Sendable {
    struct State {
        var peers: [String: RedisPeer] = [:]
        /// Peers the SCAN sweep found (Python peers write no index): followed by GET until their key is gone.
        var swept: Set<String> = []
        /// Peers (or keys) whose bad heartbeat was already logged: one line per streak, not per round.
        var reported: Set<String> = []
        var counters = PeerDiscoveryCounters()
    }

    let state = Mutex(State())

    /// An empty directory; the peers service fills it.
    public init() {}

    /// The online peers, by name.
    public var peers: [RedisPeer] { state.withLock { $0.peers.values.sorted { $0.name < $1.name } } }

    /// The peer called `name`, if it is online.
    public func peer(named name: String) -> RedisPeer? { state.withLock { $0.peers[name] } }

    /// The online peers whose clients want `topic` (`sessions`: those to push `session_events` to).
    public func interested(in topic: String) -> [RedisPeer] { peers.filter { $0.interestedIn.contains(topic) } }

    /// What discovery has cost so far.
    public var counters: PeerDiscoveryCounters { state.withLock { $0.counters } }

    /// Every name to GET this round: the index's and the sweep's.
    func followed(indexed: Set<String>, swept newlySwept: Set<String>) -> Set<String> {
        state.withLock { state in
            state.swept.formUnion(newlySwept)
            return state.swept.union(indexed)
        }
    }

    /// Applies one round's reads: `seen` are the peers whose heartbeat was readable, `gone` the names
    /// whose key no longer exists; every peer not in `seen` leaves the view.
    func finishRound(seen: [RedisPeer], gone: Set<String>, commands: Int) {
        state.withLock { state in
            state.peers = Dictionary(seen.map { ($0.name, $0) }, uniquingKeysWith: { _, last in last })
            state.swept.subtract(gone)
            state.reported.subtract(gone)
            state.reported.subtract(seen.map(\.name))
            state.counters.rounds += 1
            state.counters.lastRoundCommands = commands
        }
    }

    /// Records a finished sweep's cost.
    func finishSweep(calls: Int) {
        state.withLock { state in
            state.counters.sweeps += 1
            state.counters.lastSweepScanCalls = calls
        }
    }

    /// Counts a skipped heartbeat; true when `name` was not reported in this streak (log it now).
    func reportBad(_ name: String) -> Bool {
        state.withLock { state in
            state.counters.skippedHeartbeats += 1
            return state.reported.insert(name).inserted
        }
    }

    /// Forgets `names` at once: their heartbeat key is gone (a graceful stop, or the TTL).
    func drop(_ names: Set<String>) {
        state.withLock { state in
            for name in names { state.peers.removeValue(forKey: name) }
            state.swept.subtract(names)
        }
    }

    /// Forgets every peer (the link is down: nothing is known to be online any more).
    func clear() {
        state.withLock { state in
            state.peers = [:]
        }
    }
}
