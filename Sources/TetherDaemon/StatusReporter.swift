import TetherCore
import TetherTerminal

/// Fills `GET /status` from the daemon's parts at each request: nothing is kept between requests,
/// so the report is never stale.
struct StatusReporter: Sendable {
    let version: String
    let computer: String
    let origin: ConfigurationLoader.Origin
    let cache: SessionCache
    let bridge: TerminalBridge
    let board: HealthBoard
    let interest: SubscriptionInterest
    /// The `redis` section now (the Redis part's state, peers and cursor).
    let redis: @Sendable () -> RedisStatusReport
    let time: TimeSource
    /// When the daemon started, on `time`'s clock.
    let started: Duration

    init(version: String, computer: String, origin: ConfigurationLoader.Origin, runtime: SessionRuntime, board: HealthBoard,
         interest: SubscriptionInterest, redis: @escaping @Sendable () -> RedisStatusReport = { .off }, time: TimeSource) {
        self.version = version
        self.computer = computer
        self.origin = origin
        self.cache = runtime.cache
        self.bridge = runtime.bridge
        self.board = board
        self.interest = interest
        self.redis = redis
        self.time = time
        self.started = time.now
    }

    func report() -> StatusReport {
        let components = board.reports().sorted { $0.name < $1.name }.map { report in
            StatusReport.ComponentState(name: report.name, state: report.isStale ? "stalled" : "\(report.phase)",
                                        sinceLastBeatSeconds: report.sinceLastBeat.seconds)
        }
        return StatusReport(version: version, uptimeSeconds: (time.now - started).seconds, computer: computer,
                            configuration: "\(origin)", sessions: cache.sessions(computer: computer).count,
                            tmuxControlClient: bridge.usesControlClient, interestedIn: interest.heartbeatTopics, components: components,
                            redis: redis())
    }
}
