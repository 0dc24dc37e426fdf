import Prometheus

/// The Redis part's numbers for `/metrics`, read at each scrape. Command names are the first
/// words of the commands the daemon itself sends (a small, fixed set); no label holds a secret.
public struct RedisSample: Sendable, Equatable {
    /// Commands sent, by name (`SETEX`, `XREAD`, ...), over every Redis link.
    public var commands: [String: Int] = [:]
    /// Commands that failed, by name.
    public var commandFailures: [String: Int] = [:]
    /// Connections made again after a loss.
    public var reconnects = 0
    /// Connect attempts that failed.
    public var connectFailures = 0
    /// Request-stream entries handled.
    public var entriesHandled = 0
    /// Request-stream entries refused as malformed.
    public var entriesRejected = 0
    /// Discovery rounds completed.
    public var discoveryRounds = 0
    /// Commands of the last discovery round (heartbeat included, sweep not).
    public var lastRoundCommands = 0
    /// SCAN sweeps completed.
    public var sweeps = 0
    /// SCAN calls of the last sweep: the one cost that grows with unrelated keys.
    public var lastSweepScanCalls = 0
    /// Peers' heartbeats skipped as unreadable.
    public var heartbeatsSkipped = 0
    /// Whether the last discovery round reached Redis.
    public var connected = false

    public init() {}
}

extension APIMetrics {
    func renderRedis(_ redis: RedisSample) {
        counter("redis_reconnects", "Reconnections to Redis", redis.reconnects)
        counter("redis_connect_failures", "Connect attempts to Redis that failed", redis.connectFailures)
        for (command, total) in redis.commands {
            counter("redis_commands", "Redis commands sent, by command name", total, labels: [("command", command)])
        }
        for (command, total) in redis.commandFailures {
            counter("redis_command_failures", "Redis commands that failed, by command name", total, labels: [("command", command)])
        }
        counter("redis_entries_handled", "Request-stream entries handled", redis.entriesHandled)
        counter("redis_entries_rejected", "Request-stream entries refused as malformed", redis.entriesRejected)
        counter("redis_discovery_rounds", "Discovery rounds completed", redis.discoveryRounds)
        counter("redis_discovery_sweeps", "SCAN sweeps for peers that write no index", redis.sweeps)
        counter("redis_heartbeats_skipped", "Peers' heartbeats skipped as unreadable", redis.heartbeatsSkipped)
        gauge("redis_discovery_round_commands", "Commands of the last discovery round", redis.lastRoundCommands)
        gauge("redis_discovery_sweep_scan_calls", "SCAN calls of the last discovery sweep", redis.lastSweepScanCalls)
        gauge("redis_connected", "1 while the last discovery round reached Redis", redis.connected ? 1 : 0)
    }

    private func gauge(_ name: String, _ help: String, _ value: Int) {
        registry.makeGauge(descriptor: Self.name(name, "", help)).set(Double(value))
    }
}
