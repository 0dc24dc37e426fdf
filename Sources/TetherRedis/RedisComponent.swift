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
    let requester: RedisRequester
    let refresher: PeerInfoRefresher
    /// The other computers as the API reaches them (requests to peers, replies, listings).
    public let gateway: RedisPeerGateway

    /// Wires the parts for `computer` over connections made from `options`.
    public init(options: RedisConnectionOptions, computer: String, discoverySweep: Duration, commands: any SessionCommands,
                settings: any SettingsStore, interest: SubscriptionInterest, cache: SessionCache, bus: EventBus? = nil,
                registry: TaskRegistry,
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
        requester = RedisRequester(options: options, computer: computer, time: time, logger: logger)
        let directory = peers.directory
        let watches = ScreenWatches(options: options, isOnline: { directory.peer(named: $0) != nil }, registry: registry, time: time,
                                    logger: logger)
        gateway = RedisPeerGateway(requester: requester, directory: directory, cache: cache, screens: watches, time: time, logger: logger)
        refresher = PeerInfoRefresher(requester: requester, directory: peers.directory, cache: cache, time: time, logger: logger)
    }

    /// The peers this computer sees, and its request stream's position: for `/status` and `/metrics`.
    public var status: RedisPeersStatus { peers.status }
    public var directory: PeerDirectory { peers.directory }
    public var requests: RequestStreamCounters { reader.counts }
    /// Round-trip times and failures of this computer's requests to peers.
    public var requestTimings: RequestTimings { requester.timings }

    public func run(context: ComponentContext) async throws {
        let readerStop = AsyncEvent()
        let reading = registry.spawn(name: "redis.reader", onShutdown: .complete) { [reader] in await reader.run(until: readerStop) }
        let publishing = screens.map { screens in registry.spawn(name: "redis.screens") { await screens.run(until: readerStop) } }
        let asking = registry.spawn(name: "redis.requester", onShutdown: .cancel) { [requester] in await requester.run() }
        registry.spawn(name: "redis.peer-info", onShutdown: .cancel) { [refresher] in await refresher.run(until: readerStop) }
        // The reader's blocking read is cut as soon as the stop is asked, beside the heartbeat's removal.
        registry.spawn(name: "redis.stop-relay") {
            await context.waitForStop()
            readerStop.fire()
        }
        do {
            try await peers.run(context: context)
        } catch {
            await stop(reading, publishing, readerStop, asking)
            throw error
        }
        await stop(reading, publishing, readerStop, asking)
    }

    /// Cuts the reader's blocking read and waits for it to end (and the screen writer's), even when
    /// this stop is cancelled at the end of its share (they are then cancelled too), then closes the
    /// reply link; last, the requester's waits end at once and its links close.
    private func stop(_ reading: TaskHandle, _ publishing: TaskHandle?, _ readerStop: AsyncEvent, _ asking: TaskHandle) async {
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
        await requester.stop()
        await asking.waitUntilFinishedIgnoringCancellation()
    }
}
