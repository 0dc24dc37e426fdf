import Logging
import TetherCore

/// Computers together, as one component of the supervisor's set: this computer's heartbeat and the
/// discovery of its peers (``RedisPeersService``), and the reader of its request stream
/// (``RequestStreamReader``, a registry task), whose requests go to the same command layer as the
/// API's. Redis down at start: it still starts (the daemon serves its own computer) and joins when
/// Redis comes back.
///
/// With the event bus given, it also serves live screens to watching peers (``ScreenPublisher``,
/// a registry task on a link of its own, `redis.screens`, which connects only once something is written).
///
/// Stop: the reader's pending blocking read is cut at once and, beside it, the heartbeat is deleted
/// (peers see the computer leave at once); the reader answers what it took, then its reply link
/// closes.
public struct RedisComponent: Component {
    public var name: String { RedisPeersService.componentName }
    public var heartbeatInterval: Duration { peers.heartbeatInterval }

    let peers: RedisPeersService
    let reader: RequestStreamReader
    let replies: RedisLink
    let screens: ScreenPublisher?
    let screenLink: RedisLink
    let registry: TaskRegistry

    /// Wires the parts for `computer` over connections made from `options`.
    public init(options: RedisConnectionOptions, computer: String, discoverySweep: Duration, commands: any SessionCommands,
                settings: any SettingsStore, interest: SubscriptionInterest, bus: EventBus? = nil, registry: TaskRegistry,
                time: TimeSource, logger: Logger) {
        let peersSettings = RedisPeersSettings(computerName: computer, discoverySweep: discoverySweep)
        peers = RedisPeersService(settings: peersSettings, link: RedisLink(options: options, name: "redis.peers", time: time, logger: logger),
                                  interest: interest, time: time)
        replies = RedisLink(options: options, name: "redis.replies", time: time, logger: logger)
        let screenLink = RedisLink(options: options, name: "redis.screens", time: time, logger: logger)
        self.screenLink = screenLink
        let screens = bus.map { ScreenPublisher(sender: screenLink, bus: $0, time: time, logger: logger) }
        self.screens = screens
        reader = RequestStreamReader(options: options, replyLink: replies, commands: commands, settings: settings, registry: registry,
                                     computer: computer, block: options.blockTimeout, screens: screens, time: time, logger: logger)
        self.registry = registry
    }

    /// The peers this computer sees, and its request stream's position: for `/status` and `/metrics`.
    public var status: RedisPeersStatus { peers.status }
    public var directory: PeerDirectory { peers.directory }
    public var requests: RequestStreamCounters { reader.counts }

    public func run(context: ComponentContext) async throws {
        let readerStop = AsyncEvent()
        let reading = registry.spawn(name: "redis.reader", onShutdown: .complete) { [reader] in await reader.run(until: readerStop) }
        let publishing = screens.map { screens in registry.spawn(name: "redis.screens") { await screens.run(until: readerStop) } }
        // The reader's blocking read is cut as soon as the stop is asked, beside the heartbeat's removal.
        registry.spawn(name: "redis.stop-relay") {
            await context.waitForStop()
            readerStop.fire()
        }
        do {
            try await peers.run(context: context)
        } catch {
            await stop(reading, publishing, readerStop)
            throw error
        }
        await stop(reading, publishing, readerStop)
    }

    /// Cuts the reader's blocking read and waits for it to end, even when this stop is cancelled
    /// at the end of its share (the reader is then cancelled too), then closes the reply link.
    private func stop(_ reading: TaskHandle, _ publishing: TaskHandle?, _ readerStop: AsyncEvent) async {
        readerStop.fire()
        // A screen write in flight is cut: watchers see the host leave anyway.
        await screenLink.close()
        await withTaskCancellationHandler {
            await reading.waitUntilFinished()
            await publishing?.waitUntilFinished()
        } onCancel: {
            reading.cancel()
            publishing?.cancel()
        }
        await reading.waitUntilFinishedIgnoringCancellation()
        await publishing?.waitUntilFinishedIgnoringCancellation()
        await replies.close()
    }
}
