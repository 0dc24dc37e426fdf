import Logging
import TetherCore

/// Computers together, as one component of the supervisor's set: this computer's heartbeat and the
/// discovery of its peers (``RedisPeersService``), and the reader of its request stream
/// (``RequestStreamReader``, a registry task), whose requests go to the same command layer as the
/// API's. Redis down at start: it still starts (the daemon serves its own computer) and joins when
/// Redis comes back.
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
    let registry: TaskRegistry

    /// Wires the parts for `computer` over connections made from `options`.
    public init(options: RedisConnectionOptions, computer: String, discoverySweep: Duration, commands: any SessionCommands,
                settings: any SettingsStore, interest: SubscriptionInterest, registry: TaskRegistry, time: TimeSource,
                logger: Logger) {
        let peersSettings = RedisPeersSettings(computerName: computer, discoverySweep: discoverySweep)
        peers = RedisPeersService(settings: peersSettings, link: RedisLink(options: options, name: "redis.peers", time: time, logger: logger),
                                  interest: interest, time: time)
        replies = RedisLink(options: options, name: "redis.replies", time: time, logger: logger)
        reader = RequestStreamReader(options: options, replyLink: replies, commands: commands, settings: settings, registry: registry,
                                     computer: computer, block: options.blockTimeout, time: time, logger: logger)
        self.registry = registry
    }

    /// The peers this computer sees, and its request stream's position: for `/status` and `/metrics`.
    public var status: RedisPeersStatus { peers.status }
    public var directory: PeerDirectory { peers.directory }
    public var requests: RequestStreamCounters { reader.counts }

    public func run(context: ComponentContext) async throws {
        let readerStop = AsyncEvent()
        let reading = registry.spawn(name: "redis.reader", onShutdown: .complete) { [reader] in await reader.run(until: readerStop) }
        // The reader's blocking read is cut as soon as the stop is asked, beside the heartbeat's
        // removal; a connect the peers service has under way is abandoned, not waited out, and
        // none is started after it (the heartbeat's removal uses the live connection, if any).
        registry.spawn(name: "redis.stop-relay") { [peers] in
            await context.waitForStop()
            readerStop.fire()
            peers.link.stopConnecting()
        }
        do {
            try await peers.run(context: context)
        } catch {
            await stop(reading, readerStop)
            throw error
        }
        await stop(reading, readerStop)
    }

    /// Cuts the reader's blocking read and waits for it to end, even when this stop is cancelled
    /// at the end of its share (the reader is then cancelled too), then closes the reply link.
    private func stop(_ reading: TaskHandle, _ readerStop: AsyncEvent) async {
        readerStop.fire()
        await withTaskCancellationHandler {
            await reading.waitUntilFinished()
        } onCancel: {
            reading.cancel()
        }
        await reading.waitUntilFinishedIgnoringCancellation()
        await replies.close()
    }
}
