import Logging
import TetherCore

/// The requests a screen watch sends to a session's host: the Redis requester answers them, a test
/// double may. Throws when no reply came (Redis away, the host silent, the daemon stopping).
public protocol ScreenWatchRequesting: Sendable {
    /// Sends `command` about `sessionID` to `host` and returns its reply envelope.
    func ask(_ command: PeerCommand, of host: String, sessionID: String) async throws -> PeerReply
}

/// The watcher side of live screens: one remote session's screens as an `AsyncStream`, for as
/// long as its consumer iterates (its termination ends the watch, the link and the task).
///
/// It asks the host for `watch_screen` and renews the lease every half lease. A Tether host grants
/// it and writes to the session's ``ScreenStream``: the watch takes the newest entry
/// (`XREVRANGE … COUNT 1`: the current screen, not the history the trim keeps), then reads with
/// `XREAD BLOCK` (at most `timeouts.redis_block`) from the last id seen, on a link of its own, so a
/// reconnect neither loses nor repeats an update. A host that answers `NO_HANDLER` (a Python host)
/// is polled with `get_session_data` every ``pollInterval`` instead.
///
/// It yields a screen only when it differs from the last one, and ends with `.ended(status:)` when
/// the session ends (the host's end entry), when the host no longer knows it (`closed`), or when the
/// host left (``hostLeftStatus``: not an online peer and, while reading its stream, no heartbeat
/// key either, so a Redis restart that empties the peer directory for a round ends nothing). The buffer keeps the newest few screens: a slow consumer skips
/// to the latest, and the end is never dropped.
public struct ScreenWatch: Sendable {
    /// How often a host without `watch_screen` (a Python host) is asked for its session's text: a
    /// person reading a remote tail sees a change within a second, and one `get_session_data` a
    /// second per watched session is light for the host.
    public static let pollInterval: Duration = .seconds(1)
    /// Characters of transcript asked for in each poll: a screen's worth (about 50 × 200), not the history.
    public static let pollTailCharacters = 10_000
    /// After a `watch_screen` that got no reply (Redis away, the host busy), ask again after this:
    /// soon enough that a short blip is barely seen, rarely enough not to flood a struggling host.
    public static let retryPause: Duration = .seconds(2)
    /// Entries taken per read: the watch yields only the newest screen of each read anyway.
    public static let readCount = 16
    /// Screens buffered for a consumer that falls behind; older ones are dropped, the newest kept.
    public static let bufferedScreens = 4
    /// The end status when the host left Redis (or stopped answering for good) before the session ended.
    public static let hostLeftStatus = "offline"
    /// The end status when the host no longer knows the session.
    public static let unknownSessionStatus = "closed"

    let host: String
    let sessionID: String
    let requester: any ScreenWatchRequesting
    let options: RedisConnectionOptions
    let isOnline: @Sendable (String) -> Bool
    let registry: TaskRegistry
    let time: TimeSource
    let logger: Logger
    /// Whether the host is polled from the start (too many watches hold a link already).
    let pollOnly: Bool
    /// Told when the watch turns to polling a host without `watch_screen`: it holds no link from then on.
    let onPolling: @Sendable () -> Void

    /// A watch of `sessionID` on `host`, asking through `requester`, reading on a new link to
    /// `options`; `isOnline` says whether the host is still an online peer.
    public init(host: String, sessionID: String, requester: any ScreenWatchRequesting, options: RedisConnectionOptions,
                isOnline: @escaping @Sendable (String) -> Bool, registry: TaskRegistry, time: TimeSource, logger: Logger,
                pollOnly: Bool = false, onPolling: @escaping @Sendable () -> Void = {}) {
        self.onPolling = onPolling
        var logger = logger
        logger[metadataKey: "peer"] = "\(host)"
        logger[metadataKey: "session.id"] = "\(sessionID)"
        self.host = host
        self.sessionID = sessionID
        self.requester = requester
        self.options = options
        self.isOnline = isOnline
        self.registry = registry
        self.time = time
        self.logger = logger
        self.pollOnly = pollOnly
    }

    /// Starts the watch as a registry task; `onEnd` runs when it has ended (for the caller's bookkeeping).
    public func start(onEnd: @escaping @Sendable () -> Void = {}) -> AsyncStream<RemoteScreen> {
        let (stream, continuation) = AsyncStream.makeStream(of: RemoteScreen.self, bufferingPolicy: .bufferingNewest(Self.bufferedScreens))
        let stop = AsyncEvent()
        continuation.onTermination = { _ in stop.fire() }
        let handle = registry.spawn(name: "redis.screen-watch") { [self] in
            await run(stop: stop) { continuation.yield($0) }
            continuation.finish()
            onEnd()
        }
        // A draining registry starts nothing: the watch ends at once.
        if handle.id == 0 {
            continuation.finish()
            onEnd()
        }
        return stream
    }

    /// Asks for the watch and follows it until `stop` fires or the session ends.
    func run(stop: AsyncEvent, yield: @escaping @Sendable (RemoteScreen) -> Void) async {
        var output = ScreenOutput(yield: yield)
        guard !pollOnly else {
            await poll(until: stop, into: &output)
            return
        }
        while !stop.isFired, !Task.isCancelled {
            switch await askToWatch(ScreenStream.defaultLease) {
            case .granted(let grant):
                await follow(grant, until: stop, into: &output)
                // The consumer left: the lease goes now. After an end there is nothing to give back.
                if stop.isFired { await release() }
                return
            case .noHandler:
                logger.info("the host has no watch_screen (a Python host): polling its session's text")
                onPolling()
                await poll(until: stop, into: &output)
                return
            case .gone(let message):
                logger.info("the host does not have the session; the watch ends", metadata: ["error": "\(message)"])
                output.end(Self.unknownSessionStatus)
                return
            case .refused(let message):
                // A failure of the moment (a tmux capture, the host's lease limit): asked again.
                logger.info("the host refused to watch a session's screen; asking again", metadata: ["error": "\(message)"])
                _ = await stop.wait(timeout: Self.retryPause, on: time)
            case .noReply:
                if await hostIsGone() {
                    output.end(Self.hostLeftStatus)
                    return
                }
                _ = await stop.wait(timeout: Self.retryPause, on: time)
            }
        }
    }

    enum WatchAnswer {
        case granted(ScreenWatchGrant)
        case noHandler
        /// The host does not have the session (`NOT_FOUND`), or its answer is unusable: the watch ends.
        case gone(String)
        /// Any other failure: asked again after ``retryPause``.
        case refused(String)
        case noReply
    }

    /// Whether the host left: not an online peer and no heartbeat key either. The directory alone is
    /// not enough: it forgets every peer while Redis is away and learns them again only at its next
    /// round. Unknown (Redis unreachable) counts as not gone.
    func hostIsGone() async -> Bool {
        guard !isOnline(host) else { return false }
        // Rare (the host silent and out of the directory): a short-lived link of its own.
        let link = RedisLink(options: options, name: "redis.screen-watch.presence", time: time, logger: logger)
        let exists = try? await link.send(["EXISTS", RedisKeys.heartbeat(host)])
        await link.close()
        return exists == .integer(0)
    }

    /// One `watch_screen` for a lease of `lease`.
    func askToWatch(_ lease: Duration) async -> WatchAnswer {
        let reply: PeerReply
        do {
            reply = try await requester.ask(.watchScreen(leaseSeconds: Int(lease.components.seconds)), of: host, sessionID: sessionID)
        } catch {
            logger.debug("watch_screen got no reply", metadata: ["error": "\(error)"])
            return .noReply
        }
        switch reply {
        case .failure(let failure) where failure.isNoHandler: return .noHandler
        case .failure(let failure) where failure.isNotFound: return .gone(failure.message)
        case .failure(let failure): return .refused(failure.message)
        case .success(let data):
            guard let grant = ScreenWatchGrant(data: data) else { return .gone("the host's watch_screen answer has no stream and lease") }
            // Only the session's own screen stream is read, whatever key an answer names.
            guard grant.stream == ScreenStream.key(sessionID) else { return .gone("the host's watch_screen answer names another stream") }
            return .granted(grant)
        }
    }

    /// Gives the lease back, so the host stops writing now rather than at the lease's end.
    private func release() async {
        _ = try? await requester.ask(.watchScreen(leaseSeconds: 0), of: host, sessionID: sessionID)
    }
}

/// What a watch has yielded: repeats are dropped, and nothing follows the end.
struct ScreenOutput {
    let yield: @Sendable (RemoteScreen) -> Void
    private(set) var last: String?
    private(set) var ended = false

    init(yield: @escaping @Sendable (RemoteScreen) -> Void) { self.yield = yield }

    mutating func screen(_ text: String) {
        guard !ended, text != last else { return }
        last = text
        yield(.screen(text))
    }

    mutating func end(_ status: String) {
        guard !ended else { return }
        ended = true
        yield(.ended(status: status))
    }
}
