import Logging
import Synchronization
import TetherCore

/// Reads this computer's `session_events:{computer}` (PROTOCOL.md §4) on a link of its own while
/// its WebSocket clients want `sessions`, and keeps the peers' sessions in the session cache.
///
/// On gaining interest it resolves `$` once into the stream's last id and reads on from the last
/// id seen (kept in memory: events sent while nobody was interested are not wanted), and pulls
/// each online peer's `list_sessions` through `bootstrap` (again for a peer that appears later).
/// After each discovery round the sessions of computers whose heartbeat is gone leave the cache
/// at once, as users expect after a peer's graceful stop; while Redis itself is away nothing is
/// removed and they go stale by the cache's rule. A malformed payload is counted and skipped with
/// one log line per streak; the reader never dies on input. A stop cuts the blocking read at once.
public final class SessionEventReader: Sendable {
    /// Asks a peer for its sessions (`list_sessions`), each stamped as its host described it; nil
    /// when the peer did not answer within the closure's own deadline.
    public typealias Bootstrap = @Sendable (_ computer: String) async -> [Session]?

    /// Entries per read: a burst of a peer's changes comes in a few reads, not one per entry.
    public static let readCount = 16
    /// How often interest is looked at while not reading: one lock, so a client that subscribes
    /// sees its peers' events within a second (PROTOCOL.md §4 asks for at least every 5 s).
    public static let interestPollInterval: Duration = .seconds(1)
    /// After Redis refuses the read itself (say the key is not a stream), wait this long before
    /// trying again: long enough not to spin, short enough to recover soon once fixed.
    public static let refusedReadPause: Duration = .seconds(5)
    /// A peer that did not answer `list_sessions` is asked again after this long, not on every
    /// round: each try costs the requester's whole deadline.
    public static let bootstrapRetryInterval: Duration = .seconds(30)

    let link: RedisLink
    let block: Duration
    let computer: String
    let cache: SessionCache
    let directory: PeerDirectory
    let interest: SubscriptionInterest
    let bootstrap: Bootstrap?
    let tally: SessionEventTally
    let time: TimeSource
    let logger: Logger
    /// Set at the first malformed payload of a streak, cleared by the next good one.
    let rejecting = Mutex(false)

    /// A reader for `computer` on its own link to `options`, BLOCK `block` (`timeouts.redis_block`).
    public init(options: RedisConnectionOptions, computer: String, cache: SessionCache, directory: PeerDirectory,
         interest: SubscriptionInterest, bootstrap: Bootstrap?, tally: SessionEventTally, block: Duration,
         time: TimeSource, logger: Logger) {
        var logger = logger
        logger[metadataKey: "redis.stream"] = "\(RedisKeys.sessionEvents(computer))"
        link = RedisLink(options: options, name: "redis.events.read", time: time, logger: logger)
        self.block = block
        self.computer = computer
        self.cache = cache
        self.directory = directory
        self.interest = interest
        self.bootstrap = bootstrap
        self.tally = tally
        self.time = time
        self.logger = logger
    }

    /// Reads until `stop` fires; the pending read and any bootstrap in flight are cut at once then.
    /// Call it once: it closes its link on the way out.
    public func run(until stop: AsyncEvent) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.readLoop(until: stop) }  // registry-exempt: ends before run() returns
            group.addTask { _ = await stop.wait() }  // registry-exempt: the stop watcher, ended with the group
            _ = await group.next()
            await link.close()
            group.cancelAll()
        }
        await link.close()
    }

    private func readLoop(until stop: AsyncEvent) async {
        let stream = RedisKeys.sessionEvents(computer)
        var peers = PeerFollower()
        var position: String?
        while !stop.isFired, !Task.isCancelled {
            removeDepartedPeers(&peers)
            guard interest.wants(SessionEventPusher.topic) else {
                if position != nil { logger.info("no client wants sessions any more; peers' session events are not read") }
                position = nil
                peers.forgetBootstraps()
                if await stop.wait(timeout: Self.interestPollInterval, on: time) { return }
                continue
            }
            do {
                try await link.waitUntilConnected()
                if link.metrics.reconnects != peers.reconnects {
                    // Events pushed while the link was down may be lost (a peer's push failed, or Redis
                    // restarted empty): every peer is pulled again, reading goes on from the last id seen.
                    peers.reconnects = link.metrics.reconnects
                    peers.forgetBootstraps()
                }
                let from = try await resumePosition(position)
                position = from
                await bootstrapNewPeers(&peers)
                let reply = try await link.sendBlocking(
                    ["XREAD", "COUNT", String(Self.readCount), "BLOCK", String(block.milliseconds), "STREAMS", stream, from], block: block)
                for entry in StreamEntry.entries(ofRead: reply, stream: stream) {
                    position = entry.id
                    apply(entry)
                }
            } catch {
                if await shouldEnd(after: error, until: stop) { return }
            }
        }
    }

    /// `position`, or on gaining interest `$` resolved once into the stream's last id (`0-0` when
    /// empty), so nothing landing between two reads is skipped and no history is replayed.
    private func resumePosition(_ position: String?) async throws(RedisError) -> String {
        if let position { return position }
        let reply = try await link.send(["XREVRANGE", RedisKeys.sessionEvents(computer), "+", "-", "COUNT", "1"])
        let end = StreamEntry.entries(ofRange: reply).first?.id ?? RequestCursor.streamStart
        logger.info("a client wants sessions: reading peers' session events from the stream's current end", metadata: ["entry": "\(end)"])
        return end
    }

    /// True once the reader must end (stopped, link closed). A refused command pauses first so a
    /// misconfigured key cannot make the loop spin; a lost connection was logged by the link.
    private func shouldEnd(after error: RedisError, until stop: AsyncEvent) async -> Bool {
        if stop.isFired || Task.isCancelled || link.status == .closed { return true }
        guard error.code == .server || error.code == .protocol else { return false }
        logger.error("Redis refused a session-events command; retrying", metadata: ["error": "\(error.message)"])
        return await stop.wait(timeout: Self.refusedReadPause, on: time)
    }
}
