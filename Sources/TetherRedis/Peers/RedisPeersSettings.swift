import TetherCore

/// How the peers service beats and looks for peers; the daemon fills it from the configuration.
public struct RedisPeersSettings: Sendable {
    /// `redis.discovery_sweep`'s default: the SCAN sweep only finds Python peers (Tether peers are in
    /// the index at once), which start rarely; every five minutes keeps a sweep over a million
    /// unrelated keys (about 10,000 short SCAN calls) a small share of the server's time.
    public static let defaultDiscoverySweep: Duration = .seconds(300)
    /// The shortest pause between two failed rounds, so a link that fails at once (closed, or a
    /// server that refuses every command) is never spun on; the link's backoff sets longer pauses.
    public static let minimumRetryPause: Duration = .milliseconds(100)
    /// The most heartbeat keys one sweep takes in: far beyond any real fleet, and a bound on memory
    /// should a stranger write millions of keys that match the pattern.
    public static let sweepKeyLimit = 10_000

    /// This computer's name (valid per ``ComputerName``).
    public var computerName: String
    /// How often the heartbeat is rewritten and a discovery round runs; ``RedisKeys/heartbeatInterval`` in production.
    public var heartbeatInterval: Duration
    /// The heartbeat key's TTL and the index's horizon; ``RedisKeys/heartbeatTimeToLive`` in production.
    public var heartbeatTimeToLive: Duration
    /// How often a SCAN sweep looks for peers that write no index (`redis.discovery_sweep`).
    public var discoverySweep: Duration

    /// Settings for `computerName`, with the protocol's beat and TTL unless a test shortens them.
    public init(computerName: String, heartbeatInterval: Duration = RedisKeys.heartbeatInterval,
                heartbeatTimeToLive: Duration = RedisKeys.heartbeatTimeToLive,
                discoverySweep: Duration = RedisPeersSettings.defaultDiscoverySweep) {
        self.computerName = computerName
        self.heartbeatInterval = heartbeatInterval
        self.heartbeatTimeToLive = heartbeatTimeToLive
        self.discoverySweep = discoverySweep
    }

    /// The TTL as SETEX takes it: whole seconds, at least one.
    var timeToLiveSeconds: Int { max(1, Int(heartbeatTimeToLive.seconds.rounded(.up))) }
}

extension RedisKeys {
    /// `tether:computers`: a sorted set of computer names scored by the epoch second of their last
    /// heartbeat. Only Tether daemons write it; it lets a discovery round cost one command plus one
    /// GET per peer, whatever else the server holds.
    public static let computerIndex = "tether:computers"
}
