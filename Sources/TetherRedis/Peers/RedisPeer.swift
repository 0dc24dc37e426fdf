import TetherCore

/// One online computer as discovery last saw it.
public struct RedisPeer: Sendable, Equatable {
    /// Its computer name (the one in its heartbeat key).
    public var name: String
    /// Its heartbeat's `last_seen`; nil when the peer wrote none or an unreadable one.
    public var lastSeen: Timestamp?
    /// Topics its clients want (`interested_in`).
    public var interestedIn: [String]
    /// True for a Tether daemon (it is in the index); false for a peer only the SCAN sweep found (Python).
    public var isTether: Bool
    /// Its `projects_digest`, when it writes one.
    public var projectsDigest: String?
    /// Its heartbeat's `tether_info` (what `get_computer_info` answers), when it writes one.
    public var info: JSONValue?

    /// A peer as read from its heartbeat.
    public init(name: String, lastSeen: Timestamp?, interestedIn: [String], isTether: Bool, projectsDigest: String? = nil,
                info: JSONValue? = nil) {
        self.info = info
        self.name = name
        self.lastSeen = lastSeen
        self.interestedIn = interestedIn
        self.isTether = isTether
        self.projectsDigest = projectsDigest
    }
}

/// What discovery has cost, for `/metrics`.
public struct PeerDiscoveryCounters: Sendable, Equatable {
    /// Discovery rounds completed.
    public var rounds = 0
    /// SCAN sweeps completed.
    public var sweeps = 0
    /// SCAN calls of the last sweep: the one cost that grows with unrelated keys.
    public var lastSweepScanCalls = 0
    /// Commands of the last round, heartbeat included and any sweep left out: one per peer plus a fixed few.
    public var lastRoundCommands = 0
    /// Heartbeats skipped as unreadable (each peer logged once per streak).
    public var skippedHeartbeats = 0

    /// All zero, before the first round.
    public init() {}
}
