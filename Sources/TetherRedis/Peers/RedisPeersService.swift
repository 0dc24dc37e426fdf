import Logging
import TetherCore

/// Announces this computer in Redis and keeps the list of its peers (PROTOCOL.md §1): a heartbeat
/// and a discovery round every ``RedisPeersSettings/heartbeatInterval`` on one ``RedisLink``.
///
/// The daemon wraps it as the component named ``componentName``. With Redis down it still starts
/// (degraded: the daemon serves its own computer) and joins once Redis answers.
public struct RedisPeersService: Sendable {
    /// The component name the daemon gives this service.
    public static let componentName = "redis"

    public let settings: RedisPeersSettings
    /// The online peers; read by the status page and the event pusher.
    public let directory: PeerDirectory
    /// The link it beats on; its ``RedisLink/metrics`` (commands by name, reconnects) go to `/metrics`.
    public let link: RedisLink
    let interest: SubscriptionInterest
    /// This computer's details for the heartbeat's `tether_info`; nil writes none.
    let describe: (@Sendable () async -> JSONValue?)?
    let time: TimeSource
    let health = PeersHealth()
    /// The request reader's ``RequestStreamReader/positioned``: the first heartbeat waits for it.
    let readerPositioned: AsyncEvent?

    /// How long the first heartbeat waits for the request reader to know its cursor, beyond its
    /// link's longest reconnect backoff, one connect and one command (what the reader needs to
    /// resolve `$` on a first start, Redis having been away or not): a peer that
    /// answers this computer's arrival at once must not write behind the cursor, where nothing reads.
    /// After it the heartbeat goes out anyway: the daemon is never hidden for a slow reader.
    public static let readerPositionMargin: Duration = .seconds(1)

    /// A service that beats on `link` (it closes the link when it stops), with `interested_in` from
    /// `interest` and time from `time`; its first heartbeat waits (bounded) for `readerPositioned`.
    public init(settings: RedisPeersSettings, link: RedisLink, interest: SubscriptionInterest, time: TimeSource,
                directory: PeerDirectory = PeerDirectory(), describe: (@Sendable () async -> JSONValue?)? = nil,
                readerPositioned: AsyncEvent? = nil) {
        self.readerPositioned = readerPositioned
        self.describe = describe
        self.settings = settings
        self.link = link
        self.interest = interest
        self.time = time
        self.directory = directory
    }

    /// Where the service stands, for `/status`.
    public var status: RedisPeersStatus {
        let (state, error) = health.current
        return RedisPeersStatus(state: state, lastError: error, peers: directory.peers.count)
    }

    /// Beats and discovers until `context.isStopping`, then takes the heartbeat away and closes the link.
    public func run(context: ComponentContext) async throws {
        let writer = HeartbeatWriter(sender: link, settings: settings, interest: interest, describe: describe)
        let discovery = PeerDiscovery(sender: link, settings: settings, directory: directory, logger: context.logger,
                                      stopping: { context.isStopping })
        // Started at once, Redis or not: the daemon must serve its own computer while Redis is away.
        context.started()
        var nextSweep = time.now
        // Set once a heartbeat was written: the stop then deletes it, whatever discovery did since.
        var wroteHeartbeat = false
        var waitedForReader = false
        while !context.isStopping {
            let sweep = time.now >= nextSweep
            do throws(RedisError) {
                if !waitedForReader {
                    try await waitForReader(context: context)
                    waitedForReader = true
                    // A stop during the wait: never announce a computer that is leaving.
                    if context.isStopping { break }
                }
                let now = time.wallNow
                try await writer.beat(at: now)
                wroteHeartbeat = true
                try await discovery.round(at: now, sweep: sweep, extraCommands: HeartbeatWriter.commandsPerBeat)
            } catch {
                // A failure the stop caused (an abandoned connect) says nothing about Redis.
                if context.isStopping { break }
                failed(error, context: context)
                // The retry loop is alive and each attempt ended within its own deadline: progress
                // enough for the supervisor, which must not restart a daemon only because Redis is away.
                context.beat()
                guard await context.sleep(for: retryPause) else { break }
                continue
            }
            if sweep { nextSweep = time.now + settings.discoverySweep }
            if health.record(.connected) {
                context.report(condition: nil)
                context.logger.info("joined the computers on Redis", metadata: ["redis.peers": "\(directory.peers.count)"])
            }
            context.beat()
            guard await context.sleep(for: settings.heartbeatInterval) else { break }
        }
        await leave(writer, wroteHeartbeat: wroteHeartbeat, logger: context.logger)
    }

    /// Before the first heartbeat, once Redis answers (while it does not, the failure is reported
    /// at once, as without a reader): the request reader's bounded time to learn its cursor.
    private func waitForReader(context: ComponentContext) async throws(RedisError) {
        guard let readerPositioned, !readerPositioned.isFired else { return }
        _ = try await link.send(["PING"])
        // The reader's own link may still be in its reconnect backoff (Redis was down at the start);
        // it reconnects as this one does.
        let bound = link.reconnectCeiling + link.options.connectTimeout + link.options.commandTimeout + Self.readerPositionMargin
        if await !context.waitUntil(readerPositioned, timeout: bound), !context.isStopping {
            context.logger.warning("the request reader has no cursor yet; announcing this computer anyway (a request sent before the reader starts is not read)",
                                   metadata: ["waited": "\(bound)"])
        }
        context.beat()
    }

    private func failed(_ error: RedisError, context: ComponentContext) {
        directory.clear()
        let changed = health.record(.degraded, error: error.message)
        // Each new reason replaces the last in STATUS=, so it always says what is wrong now; the
        // link's own connect error, when it has one, rather than a "still backing off" wrapper.
        let reason = if case .connecting(let last?) = link.status { last } else { error }
        context.report(condition: Self.unreachableCondition(reason))
        if changed {
            context.logger.warning("Redis is unreachable: serving this computer alone and retrying",
                                   metadata: ["error": "\(error.message)"])
        }
    }

    /// `STATUS=` while degraded: what is wrong (the error names the address and what to fix) and that
    /// it is retried.
    static func unreachableCondition(_ error: RedisError) -> String {
        "Redis unreachable, retrying (serving this computer alone): \(error.message)"
    }

    /// Until the link's backoff lets it try again (at least ``RedisPeersSettings/minimumRetryPause``).
    private var retryPause: Duration {
        let due = link.state.withLock { $0.nextAttempt } - link.time.now
        return max(due, RedisPeersSettings.minimumRetryPause)
    }

    /// Takes the heartbeat away (peers see this computer leave at once) and closes the link.
    private func leave(_ writer: HeartbeatWriter, wroteHeartbeat: Bool, logger: Logger) async {
        if wroteHeartbeat {
            do throws(RedisError) {
                try await writer.leave()
                logger.info("left the computers on Redis")
            } catch {
                logger.warning("could not remove the heartbeat; peers will drop this computer after its TTL",
                               metadata: ["error": "\(error.message)"])
            }
        }
        await link.close()
    }
}
