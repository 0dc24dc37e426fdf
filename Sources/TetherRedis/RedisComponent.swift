import Logging
import TetherCore

/// Computers together, as one component of the supervisor's set: this computer's heartbeat and the
/// discovery of its peers (``RedisPeersService``), and the reader of its request stream
/// (``RequestStreamReader``, a registry task), whose requests go to the same command layer as the
/// API's. Redis down at start: it still starts (the daemon serves its own computer) and joins when
/// Redis comes back.
///
/// Beside them, as registry tasks: session events between computers (PROTOCOL.md §4:
/// ``SessionEventPusher`` sends this computer's own session changes to interested peers,
/// ``SessionEventReader`` keeps the peers' sessions in the cache while clients want them); live
/// screens for watching peers (``ScreenPublisher``, on a link of its own, `redis.screens`, which
/// connects only once something is written); and requests to peers (``RedisRequester``, behind
/// ``gateway``), with their computer info refreshed (``PeerInfoRefresher``).
///
/// Stop: the readers' pending blocking reads are cut at once and, beside them, the heartbeat is
/// deleted (peers see the computer leave at once); the request reader answers what it took, then
/// its reply link closes; last, the requester's waits end and its links close.
public struct RedisComponent: Component {
    public var name: String { RedisPeersService.componentName }
    public var heartbeatInterval: Duration { peers.heartbeatInterval }

    let peers: RedisPeersService
    let reader: RequestStreamReader
    let replies: RedisLink
    let pusher: SessionEventPusher
    let events: SessionEventReader
    let tally = SessionEventTally()
    let screens: ScreenPublisher
    let screenLink: RedisLink
    let registry: TaskRegistry
    /// Every link's connects, cut at the stop.
    let gate: RedisConnectGate
    let requester: RedisRequester
    let refresher: PeerInfoRefresher
    /// The other computers as the API reaches them (requests to peers, replies, listings, screens).
    public let gateway: RedisPeerGateway

    /// Wires the parts for `computer` over connections made from `options`; peers' sessions go into
    /// `cache`, this computer's changes are taken from `bus`, and `sessionBootstrap` (nil: the
    /// gateway's `list_sessions`) asks a peer for its sessions when clients start wanting them.
    public init(options: RedisConnectionOptions, computer: String, discoverySweep: Duration, commands: any SessionCommands,
                settings: any SettingsStore, interest: SubscriptionInterest, cache: SessionCache, bus: EventBus,
                sessionBootstrap: SessionEventReader.Bootstrap? = nil, registry: TaskRegistry, time: TimeSource, logger: Logger) {
        gate = options.connectGate
        let peersSettings = RedisPeersSettings(computerName: computer, discoverySweep: discoverySweep)
        // Tether peers read this computer's details with its heartbeat: no get_computer_info per peer.
        let describe: @Sendable () async -> JSONValue? = {
            let (info, stats) = await commands.computerInfo()
            return try? JSONValue(parsing: ComputerReport(info, stats: stats).jsonBytes)
        }
        replies = RedisLink(options: options, name: "redis.replies", time: time, logger: logger)
        let screenLink = RedisLink(options: options, name: "redis.screens", time: time, logger: logger)
        self.screenLink = screenLink
        let screens = ScreenPublisher(sender: screenLink, bus: bus, time: time, logger: logger)
        self.screens = screens
        reader = RequestStreamReader(options: options, replyLink: replies, commands: commands, settings: settings, registry: registry,
                                     computer: computer, block: options.blockTimeout, screens: screens, time: time, logger: logger)
        // Built after the reader: its first heartbeat waits for `reader.positioned`, so a peer that
        // answers it at once does not write behind the reader's cursor.
        peers = RedisPeersService(settings: peersSettings, link: RedisLink(options: options, name: "redis.peers", time: time, logger: logger),
                                  interest: interest, time: time, describe: describe, readerPositioned: reader.positioned)
        pusher = SessionEventPusher(options: options, computer: computer, bus: bus, directory: peers.directory, tally: tally,
                                    time: time, logger: logger)
        self.registry = registry
        let requester = RedisRequester(options: options, computer: computer, time: time, logger: logger)
        let directory = peers.directory
        let watches = ScreenWatches(options: options, isOnline: { directory.peer(named: $0) != nil }, registry: registry, time: time,
                                    logger: logger)
        let gateway = RedisPeerGateway(requester: requester, directory: directory, cache: cache, screens: watches, time: time, logger: logger)
        self.requester = requester
        self.gateway = gateway
        events = SessionEventReader(options: options, computer: computer, cache: cache, directory: directory, interest: interest,
                                    bootstrap: sessionBootstrap ?? { await gateway.pullSessions(of: $0) }, tally: tally,
                                    block: options.blockTimeout, time: time, logger: logger)
        refresher = PeerInfoRefresher(requester: requester, directory: directory, cache: cache, time: time, logger: logger)
    }

    /// The peers this computer sees, and its request stream's position: for `/status` and `/metrics`.
    public var status: RedisPeersStatus { peers.status }
    public var directory: PeerDirectory { peers.directory }
    public var requests: RequestStreamCounters { reader.counts }
    /// Session events pushed, received, rejected and dropped: for `/metrics`.
    public var sessionEvents: SessionEventCounters { tally.current }
    /// Round-trip times and failures of this computer's requests to peers.
    public var requestTimings: RequestTimings { requester.timings }

    /// Hands every request's round trip to `observer` (the `/metrics` histogram).
    public func observeRequestRoundTrips(_ observer: @escaping @Sendable (Duration) -> Void) {
        requester.observeRoundTrips(observer)
    }

    public func run(context: ComponentContext) async throws {
        let readerStop = AsyncEvent()
        let reading = registry.spawn(name: "redis.reader", onShutdown: .complete) { [reader] in await reader.run(until: readerStop) }
        let pushing = registry.spawn(name: "redis.events.push", onShutdown: .complete) { [pusher] in await pusher.run(until: readerStop) }
        let eventReading = registry.spawn(name: "redis.events.read", onShutdown: .complete) { [events] in await events.run(until: readerStop) }
        let publishing = registry.spawn(name: "redis.screens", onShutdown: .complete) { [screens] in await screens.run(until: readerStop) }
        let tasks = [reading, pushing, eventReading, publishing]
        let asking = registry.spawn(name: "redis.requester", onShutdown: .cancel) { [requester] in await requester.run() }
        registry.spawn(name: "redis.peer-info", onShutdown: .cancel) { [refresher] in await refresher.run(until: readerStop) }
        // The readers' blocking reads are cut as soon as the stop is asked, beside the heartbeat's
        // removal; a connect the peers service has under way is abandoned, not waited out, and
        // none is started after it (the heartbeat's removal uses the live connection, if any).
        registry.spawn(name: "redis.stop-relay") { [gate] in
            await context.waitForStop()
            readerStop.fire()
            gate.stop()
        }
        do {
            try await peers.run(context: context)
        } catch {
            await stop(tasks, readerStop, asking)
            throw error
        }
        await stop(tasks, readerStop, asking)
    }

    /// Cuts the readers' blocking reads and waits for the tasks to end, in order, even when this
    /// stop is cancelled at the end of its share (they are then cancelled too), then closes the
    /// reply link; last, the requester's waits end at once and its links close.
    private func stop(_ tasks: [TaskHandle], _ readerStop: AsyncEvent, _ asking: TaskHandle) async {
        readerStop.fire()
        // A screen write in flight is cut: watchers see the host leave anyway.
        await screenLink.close()
        for task in tasks {
            await withTaskCancellationHandler {
                await task.waitUntilFinished()
            } onCancel: {
                task.cancel()
            }
            await task.waitUntilFinishedIgnoringCancellation()
        }
        await replies.close()
        await requester.stop()
        await asking.waitUntilFinishedIgnoringCancellation()
    }
}
