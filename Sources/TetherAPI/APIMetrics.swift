import Foundation
import Prometheus
import Synchronization
import TetherCore

/// The numbers `/metrics` reports, read from the daemon's parts at scrape time.
public struct DaemonSample: Sendable {
    public var tasksByName: [String: Int] = [:]
    public var tasksSpawned: Int = 0
    public var cacheHits: Int = 0
    public var cacheMisses: Int = 0
    public var subprocessTimeouts: Int = 0
    public var controlClientRestarts: Int = 0
    public var sessionsByStatus: [SessionStatus: Int] = [:]
    /// Live sessions whose agent Tether follows, by its state.
    public var sessionsByAgentState: [AgentState: Int] = [:]
    public var eventHandlerTimeouts: Int = 0
    public var eventsDropped: Int = 0
    /// The Redis part's numbers (all zero without Redis).
    public var redis = RedisSample()
    public var residentBytes: Int = 0
    /// CPU seconds and memory of each live session's scope, by session id (when sessions run in scopes).
    public var sessionUsage: [String: (cpuSeconds: Double, memoryBytes: Int?)] = [:]

    public init() {}
}

/// `GET /metrics` in Prometheus text: counters and gauges brought up to date from a ``DaemonSample``
/// at each scrape, and the poll-duration histogram recorded as polls happen. Nothing secret is a
/// metric or a label.
public final class APIMetrics: Sendable {
    /// Poll batch durations, in seconds: from 1 ms, one control-client round trip for a few
    /// sessions, to 5 s, past which a batch has already missed the quick subprocess deadline.
    static let pollBuckets: [Duration] = [.milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
                                          .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5)]

    /// Request round trips to a peer, in seconds: from half a millisecond (loopback, the goal's p50)
    /// to 10 s, past any request deadline.
    static let redisRequestBuckets: [Duration] = [.microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
                                                  .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
                                                  .seconds(1), .seconds(2.5), .seconds(5), .seconds(10)]

    public let registry = PrometheusCollectorRegistry()
    private let pollDuration: DurationHistogram
    private let redisRequestDuration: DurationHistogram
    private let sample: @Sendable () -> DaemonSample
    private let hub: WebSocketHub
    /// The agent hooks the API was given, by outcome.
    let hooks = AgentHookTally()
    private let counted = Mutex<[String: Int]>([:])
    private let taskGauges = Mutex<[String: Gauge]>([:])
    private let sessionGauges = Mutex<[String: (cpu: Gauge, memory: Gauge)]>([:])

    init(hub: WebSocketHub, sample: @escaping @Sendable () -> DaemonSample) {
        self.hub = hub
        self.sample = sample
        pollDuration = registry.makeDurationHistogram(
            descriptor: Self.name("poll_batch_duration", "seconds", "Time to poll one batch of due sessions through tmux"), buckets: Self.pollBuckets)
        redisRequestDuration = registry.makeDurationHistogram(
            descriptor: Self.name("redis_request", "seconds", "Round trip of a request to a peer over Redis, until its reply"),
            buckets: Self.redisRequestBuckets)
    }

    /// Records one poll batch (called by the poller).
    public func recordPoll(duration: Duration) { pollDuration.record(duration) }

    /// Records one request's round trip to a peer (the requester calls it as replies arrive).
    public func recordRedisRequest(duration: Duration) { redisRequestDuration.record(duration) }

    /// The exposition text, after bringing every counter and gauge up to date.
    func render() -> [UInt8] {
        let now = sample()
        counter("tasks_spawned", "Tasks started by the task registry", now.tasksSpawned)
        counter("cache_hits", "Session cache lookups that found a fresh entry", now.cacheHits)
        counter("cache_misses", "Session cache lookups that found nothing fresh", now.cacheMisses)
        counter("subprocess_timeouts", "tmux commands and subprocesses that ran past their deadline", now.subprocessTimeouts)
        counter("tmux_control_client_restarts", "Times the tmux control-mode client was started again", now.controlClientRestarts)
        counter("event_handler_timeouts", "Event handlers left behind at their deadline", now.eventHandlerTimeouts)
        counter("events_dropped", "Events dropped from a full subscriber queue", now.eventsDropped)
        renderRedis(now.redis)
        counter("websocket_clients_dropped", "WebSocket clients dropped for falling behind", hub.droppedCount)
        let hookCounts = hooks.snapshot
        for (outcome, total) in [("received", hookCounts.received), ("rejected", hookCounts.rejected), ("late", hookCounts.late)] {
            counter("agent_hooks", "Agent hook events, by outcome (rejected: malformed, too large or for an unknown session; late: the session had ended)",
                    total, labels: [("outcome", outcome)])
        }
        gauge("resident_memory", unit: "bytes", "Resident memory of the daemon (VmRSS)", now.residentBytes)
        gauge("websocket_clients", "WebSocket clients connected", hub.clientCount)
        for status in SessionStatus.allCases {
            gauge("sessions", "Live sessions on this computer by status", now.sessionsByStatus[status] ?? 0, labels: [("status", status.rawValue)])
        }
        for state in AgentState.allCases {
            gauge("agent_sessions", "Live sessions by their agent's state (sessions without an agent are not counted)",
                  now.sessionsByAgentState[state] ?? 0, labels: [("state", state.rawValue)])
        }
        taskGauges.withLock { gauges in
            for name in Set(gauges.keys).union(now.tasksByName.keys) {
                let gauge = gauges[name] ?? registry.makeGauge(descriptor: Self.name("tasks_alive", "", "Registry tasks running, by name"), labels: [("name", name)])
                gauges[name] = gauge
                gauge.set(Double(now.tasksByName[name] ?? 0))
            }
        }
        sessionGauges.withLock { gauges in
            for (id, pair) in gauges where now.sessionUsage[id] == nil {
                registry.unregisterGauge(pair.cpu)
                registry.unregisterGauge(pair.memory)
                gauges[id] = nil
            }
            for (id, usage) in now.sessionUsage {
                let pair = gauges[id] ?? (
                    registry.makeGauge(descriptor: Self.name("session_cpu", "seconds", "CPU time of a session's scope"), labels: [("session", id)]),
                    registry.makeGauge(descriptor: Self.name("session_memory", "bytes", "Memory charged to a session's scope"), labels: [("session", id)])
                )
                gauges[id] = pair
                pair.cpu.set(usage.cpuSeconds)
                pair.memory.set(Double(usage.memoryBytes ?? 0))
            }
        }
        return registry.emitToBuffer()
    }

    /// Sets a gauge to `value`.
    func gauge(_ name: String, unit: String = "", _ help: String, _ value: Int, labels: [(String, String)] = []) {
        registry.makeGauge(descriptor: Self.name(name, unit, help), labels: labels).set(Double(value))
    }

    /// Advances a counter to `total` (the sources keep totals; Prometheus counters only go up).
    func counter(_ name: String, _ help: String, _ total: Int, labels: [(String, String)] = []) {
        let key = ([name] + labels.map { "\($0.0)=\($0.1)" }).joined(separator: ",")
        let delta = counted.withLock { counted -> Int in
            defer { counted[key] = max(counted[key] ?? 0, total) }
            return total - (counted[key] ?? 0)
        }
        let counter = registry.makeCounter(descriptor: Self.name(name, "total", help), labels: labels)
        if delta > 0 { counter.increment(by: Int64(delta)) }
    }

    static func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "tether", metricName: metric, unitName: unit, helpText: help)
    }

    /// VmRSS of this process, in bytes.
    public static func residentBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return (Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]) ?? 0) * 1024
        }
        return 0
    }
}
