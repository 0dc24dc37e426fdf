import TetherCore
import TetherRedis

/// Stands in for the Redis component when `redis.enabled` is on but its configuration cannot be
/// used (a bad `redis.url`, an unreadable password file): the daemon still starts and serves its
/// own computer, and `STATUS=`, the log and `/status` say what to fix. `check-config` reports the
/// same problem as an error.
struct UnusableRedisComponent: Component {
    /// Why the configuration cannot be used; never a secret (the URL's text is never repeated).
    let problem: String

    /// How often it beats while it waits for the stop: it does no work, so any interval would do;
    /// the Redis heartbeat's own interval keeps it in step with the component it stands in for.
    static let beatInterval: Duration = RedisKeys.heartbeatInterval

    var name: String { RedisPeersService.componentName }
    var heartbeatInterval: Duration { Self.beatInterval }

    /// The condition `STATUS=` and `/status` show.
    var condition: String { "Redis not joined, its configuration cannot be used (restart after fixing it): \(problem)" }

    func run(context: ComponentContext) async throws {
        context.logger.error("Redis is configured but cannot be used; serving this computer alone", metadata: ["error": "\(problem)"])
        context.report(condition: condition)
        context.started()
        while await context.sleep(for: Self.beatInterval) { context.beat() }
    }

    /// `/status`'s `redis` section: degraded for good, with the problem.
    var statusReport: RedisStatusReport { RedisStatusReport(enabled: true, state: RedisStatusReport.degraded, lastError: problem) }
}
