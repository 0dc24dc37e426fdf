import Prometheus

/// The Redis part's numbers for `/metrics`, read at each scrape. Command names are the first
/// words of the commands the daemon itself sends (a small, fixed set); no label holds a secret.
public struct RedisSample: Sendable, Equatable {
    /// Requests to peers that failed, by kind (`timeout`, `unreachable`, `invalid-reply`, `stopped`).
    public var requestFailures: [String: Int] = [:]
    /// Reply entries ignored because another computer than the one asked wrote them.
    public var impersonatedReplies = 0
    /// Session events pushed to peers, received from them, refused as malformed, and dropped
    /// from a full queue (PROTOCOL.md §4).
    public var eventsPushed = 0
    public var eventsReceived = 0
    public var eventsRejected = 0
    public var eventsDropped = 0
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
        for (kind, total) in redis.requestFailures {
            counter("redis_request_failures", "Requests to peers that got no usable reply, by kind", total, labels: [("kind", kind)])
        }
        counter("redis_replies_impersonated", "Reply entries ignored as written by another computer than the one asked", redis.impersonatedReplies)
        counter("redis_session_events_pushed", "Session events pushed to interested peers", redis.eventsPushed)
        counter("redis_session_events_received", "Session events received from peers", redis.eventsReceived)
        counter("redis_session_events_rejected", "Session events from peers refused as malformed", redis.eventsRejected)
        counter("redis_session_events_dropped", "Session changes dropped from a full push queue", redis.eventsDropped)
    }
}
