import Logging
import Synchronization
import TetherCore

/// Reads the requests of `messages:{computer}` on a connection of its own with `XREAD … BLOCK`,
/// from the persisted cursor, and hands each entry to the ``RequestHandler`` through a dispatcher
/// that keeps one session's entries in order (PROTOCOL.md §2, §9 defect 4).
public final class RequestStreamReader: Sendable {
    /// Entries per read: the Python reader's COUNT.
    public static let readCount = 5
    /// After Redis refuses the read itself (say `messages:{computer}` is not a stream), wait this
    /// long before trying again: long enough not to spin, short enough to recover soon once fixed.
    public static let refusedReadPause: Duration = .seconds(5)

    let link: RedisLink
    let block: Duration
    let computer: String
    let cursor: RequestCursor
    let dispatcher: RequestDispatcher
    let handler: RequestHandler
    let replies: ReplyWriter
    let time: TimeSource
    let logger: Logger
    let counters = Mutex(RequestStreamCounters())
    /// Fires once the reader knows where it reads from (the saved cursor, or on a first start `$`
    /// resolved): from then on no entry written to the stream is skipped.
    public let positioned = AsyncEvent()

    /// A reader for `computer` that reads on its own link to `options` (BLOCK `block`, the config's
    /// `timeouts.redis_block`) and answers through `replyLink`, the shared command link; `screens`
    /// serves `watch_screen` (without it a watcher is answered `NO_HANDLER`).
    public init(options: RedisConnectionOptions, replyLink: any RedisCommandSending, commands: any SessionCommands,
                settings: any SettingsStore, registry: TaskRegistry, computer: String, block: Duration,
                screens: ScreenPublisher? = nil, time: TimeSource, logger: Logger) {
        var logger = logger
        logger[metadataKey: "redis.stream"] = "\(RedisKeys.messages(computer))"
        self.link = RedisLink(options: options, name: "redis.requests", time: time, logger: logger)
        self.block = block
        self.computer = computer
        self.cursor = RequestCursor(settings: settings, computer: computer, logger: logger)
        self.dispatcher = RequestDispatcher(registry: registry)
        self.handler = RequestHandler(commands: commands, computer: computer, screens: screens, logger: logger)
        self.replies = ReplyWriter(sender: replyLink, computer: computer, time: time)
        self.time = time
        self.logger = logger
    }

    /// The last entry id taken for handling, and how many entries were handled and refused.
    public var counts: RequestStreamCounters { counters.withLock { $0 } }

    /// Reads and dispatches until `stop` fires; a pending BLOCK is cut at once then. Call it once:
    /// it closes its link on the way out. Entries in flight finish as registry tasks.
    public func run(until stop: AsyncEvent) async {
        await withDiscardingTaskGroup { group in
            group.addTask {  // registry-exempt: a stop watcher that ends before run() returns
                if await stop.wait() { await self.link.close() }
            }
            await readLoop(until: stop)
            group.cancelAll()
        }
        await link.close()
        // Entries taken before the stop are answered before the reply link closes.
        if await !dispatcher.waitUntilIdle(timeout: Self.inFlightDrainTimeout, on: time) {
            logger.warning("requests still being handled at the stop; their replies may be lost", metadata: ["requests": "\(dispatcher.inFlight)"])
        }
    }

    /// Between two tries to read the saved cursor from a store that failed: a store error is rare
    /// and usually brief (a locked database), so a second is soon enough and never a spin.
    public static let cursorRetryPause: Duration = .seconds(1)

    /// How long the stop waits for requests in flight to be answered: a handler's own command
    /// deadlines are seconds, and the component's share of `timeouts.shutdown` bounds it anyway.
    public static let inFlightDrainTimeout: Duration = .seconds(3)

    private func readLoop(until stop: AsyncEvent) async {
        guard var position = await startPosition(until: stop) else { return }
        let stream = RedisKeys.messages(computer)
        let arguments = ["XREAD", "COUNT", String(Self.readCount), "BLOCK", String(block.milliseconds), "STREAMS", stream]
        while !stop.isFired {
            let reply: RedisValue
            do {
                try await link.waitUntilConnected()
                reply = try await link.sendBlocking(arguments + [position], block: block)
            } catch {
                if await shouldEnd(after: error, until: stop) { return }
                continue
            }
            for entry in StreamEntry.entries(ofRead: reply, stream: stream) {
                // A stop while every slot is busy ends the wait; the entry is not saved, so the
                // next start reads it again.
                guard await dispatcher.reserveSlot(until: stop) else { return }
                // Saved before handling, as the Python daemon does: at most once, never replayed.
                await cursor.save(entry.id)
                position = entry.id
                counters.withLock { $0.cursor = entry.id }
                dispatch(entry)
            }
        }
    }

    /// The saved cursor, or on the very first start `$` resolved once into the stream's last id and saved.
    private func startPosition(until stop: AsyncEvent) async -> String? {
        var reported = false
        while true {
            do {
                let saved = try await cursor.saved()
                if reported { logger.info("read the saved request-stream cursor; the stream is read again") }
                guard let saved else { break }
                counters.withLock { $0.cursor = saved }
                positioned.fire()
                return saved
            } catch {
                if !reported {
                    logger.error("cannot read the saved request-stream cursor; not reading the stream until the store answers (reading from its end would skip entries)",
                                 metadata: ["setting": "\(cursor.key)", "error": "\(error)"])
                    reported = true
                }
                if await stop.wait(timeout: Self.cursorRetryPause, on: time) { return nil }
            }
        }
        while !stop.isFired {
            do {
                try await link.waitUntilConnected()
                let end = try await cursor.resolveEnd(on: link)
                await cursor.save(end)
                counters.withLock { $0.cursor = end }
                positioned.fire()
                logger.info("request stream starts after its current end", metadata: ["entry": "\(end)"])
                return end
            } catch {
                if await shouldEnd(after: error, until: stop) { return nil }
            }
        }
        return nil
    }

    /// True once the reader must end (stopped, link closed). A refused command pauses first so a
    /// misconfigured key cannot make the loop spin; a lost connection was logged by the link, and
    /// `waitUntilConnected()` backs off before the next try.
    private func shouldEnd(after error: RedisError, until stop: AsyncEvent) async -> Bool {
        if stop.isFired || link.status == .closed { return true }
        guard error.code == .server || error.code == .protocol else { return false }
        logger.error("Redis refused a request-stream command; retrying", metadata: ["error": "\(error.message)"])
        return await stop.wait(timeout: Self.refusedReadPause, on: time)
    }
}

/// What the request-stream reader has done, for `/status` and `/metrics`.
public struct RequestStreamCounters: Sendable, Equatable {
    /// The last entry id taken for handling (the persisted cursor); nil before the first start resolved it.
    public var cursor: String?
    /// Entries handled: requests run (answered or not) and system entries logged.
    public var handled = 0
    /// Entries refused as malformed (answered with an error envelope unless they were system entries).
    public var rejected = 0
}
