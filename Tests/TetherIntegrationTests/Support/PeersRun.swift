import Logging
import Synchronization
import TetherCore
import TetherRedis
import Testing

/// One ``RedisPeersService`` under test, run as the supervisor would run it: a context, a board,
/// a stop request; ``run()`` goes into the test's task group.
final class PeersRun: Sendable {
    let service: RedisPeersService
    let link: RedisLink
    let interest = SubscriptionInterest()
    let board: HealthBoard
    let stopRequest = AsyncEvent()
    let finished = AsyncEvent()
    let context: ComponentContext

    /// Short intervals through parameters: the tests never wait out real 30 s beats.
    init(_ url: String, name: String, interval: Duration = .milliseconds(200), ttl: Duration = .seconds(60),
         sweep: Duration = RedisPeersSettings.defaultDiscoverySweep, logger: Logger = Logger(label: "peers-test"),
         readerPositioned: AsyncEvent? = nil) throws {
        let time = TimeSource.continuous
        link = RedisLink(options: try redisOptions(url, connect: .milliseconds(500)), name: "redis.\(name)", time: time, logger: logger,
                         backoff: Backoff(initial: .milliseconds(100), maximum: .milliseconds(300)))
        let settings = RedisPeersSettings(computerName: name, heartbeatInterval: interval, heartbeatTimeToLive: ttl, discoverySweep: sweep)
        service = RedisPeersService(settings: settings, link: link, interest: interest, time: time, readerPositioned: readerPositioned)
        board = HealthBoard(time: time)
        board.register(RedisPeersService.componentName, heartbeatInterval: interval * 5)
        context = ComponentContext(name: RedisPeersService.componentName, logger: logger, board: board, stopRequest: stopRequest, time: time)
    }

    func run() async {
        do { try await service.run(context: context) } catch { Issue.record("the peers service threw: \(error)") }
        finished.fire()
    }

    /// A graceful stop; true when the service finished within the bound.
    func stop() async -> Bool {
        stopRequest.fire()
        return await finished.wait(timeout: .seconds(10), on: .continuous)
    }

    /// Ends the service the way `kill -9` would for Redis: the link goes first, so no clean-up reaches the server.
    func abandon() async -> Bool {
        await link.close()
        return await stop()
    }

    var names: [String] { service.directory.peers.map(\.name) }
}

/// Records log lines, to count how often something was said.
final class LogRecorder: Sendable {
    private let lines = Mutex<[(message: String, metadata: Logger.Metadata)]>([])

    var logger: Logger { Logger(label: "peers-test") { _ in Handler(recorder: self) } }

    func count(_ message: String) -> Int {
        lines.withLock { $0.filter { $0.message.contains(message) }.count }
    }

    func count(_ message: String, peer: String) -> Int {
        lines.withLock { $0.filter { $0.message.contains(message) && $0.metadata["peer"]?.description == peer }.count }
    }

    private struct Handler: LogHandler {
        let recorder: LogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .debug

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            recorder.lines.withLock { $0.append((event.message.description, merged)) }
        }
    }
}
