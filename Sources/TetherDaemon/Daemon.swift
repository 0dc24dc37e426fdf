import Foundation
import Logging
import Metrics
import Prometheus
import Synchronization
import TetherAPI
import TetherCore
import TetherRedis
import TetherSystemd
import TetherTerminal
import UnixSignals

/// The daemon's entry points, shared by `tetherd` and the test fixture.
public enum Daemon {
    public static let version = "0.1.0"

    /// Extra components to run beside the built-in ones (the test fixture's fault injectors).
    public typealias ComponentFactory = @Sendable (TaskRegistry, TimeSource, SessionRuntime) -> [any Component]

    /// Runs the daemon in the foreground until SIGTERM or SIGINT; never returns.
    public static func run(configPath: String?, extraComponents: ComponentFactory = { _, _, _ in [] }) async -> Never {
        // Signals first: a SIGTERM that arrives during start must drain, not kill.
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint, .sighup)
        // A peer that goes away mid-write (a tmux client, later an API client) is an EPIPE to handle, not a death.
        signal(SIGPIPE, SIG_IGN)
        let levelControl = LogLevelControl(.info)
        bootstrapLogging(levelControl)
        let logger = Logger(label: "tetherd")
        let notifier = SystemdNotifier()
        let time = TimeSource.continuous

        notifier.notify([ServiceNotification.status("starting: loading configuration")])
        let environment = ProcessEnvironment.current()
        let loader = ConfigurationLoader(environment: environment, explicitPath: configPath)
        let configuration: TetherConfiguration
        let origin: ConfigurationLoader.Origin
        do {
            (configuration, origin) = try loader.load()
        } catch {
            let reason = "\(error)"
            logger.critical("invalid configuration: \(reason)")
            var assignments = [ServiceNotification.status("failed: \(reason)")]
            if let code = (error as? TetherError)?.errno { assignments.append(ServiceNotification.errno(code)) }
            notifier.notify(assignments)
            exit(1)
        }
        levelControl.current = configuration.logging.level

        let registry = TaskRegistry(logger: logger)
        let settings = LiveConfiguration(configuration)
        notifier.notify([ServiceNotification.status("starting: opening the session store")])
        let runtime: SessionRuntime
        do {
            runtime = try await SessionRuntime.open(settings: settings, environment: environment, registry: registry, time: time, logger: logger)
        } catch {
            logger.critical("cannot open the session store", metadata: ["db.path": "\(configuration.database.path)", "error": "\(error)"])
            notifier.notify([ServiceNotification.status("failed: \(error)")])
            exit(1)
        }
        let board = HealthBoard(time: time)
        // What the WebSocket clients want: reported by the API, read by the Redis heartbeat.
        let interest = SubscriptionInterest()
        let redis = redisPart(configuration, runtime: runtime, interest: interest, registry: registry, time: time, logger: logger)
        if let peers = redis.gateway { runtime.connect(peers: peers) }
        let api = APIServer(
            socketPath: configuration.api.socket, socketMode: configuration.api.socketMode, websocketQueue: configuration.api.websocketQueue,
            environment: apiEnvironment(runtime: runtime, registry: registry, settings: settings, board: board, origin: origin,
                                        interest: interest, redis: redis, time: time),
            version: version, time: time, logger: logger
        )
        runtime.poller.observeBatches { [metrics = api.metrics] in metrics.recordPoll(duration: $0) }
        if case .running(let component) = redis {
            component.observeRequestRoundTrips { [metrics = api.metrics] in metrics.recordRedisRequest(duration: $0) }
        }
        // Anything that records through swift-metrics (the API's request metrics) lands in /metrics too.
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: api.metrics.registry))
        // Started in this order, each once the one before can serve; stopped in reverse: the API stops
        // accepting first, then Redis (the heartbeat goes, the request stream stops), then the
        // sessions and their pollers, the store last.
        let components: [any Component] = [
            PoolLagMonitor(time: time),
            StoreComponent(store: runtime.store),
            SessionsComponent(runtime: runtime, registry: registry, time: time),
        ] + [redis.component].compactMap { $0 } + [api] + extraComponents(registry, time, runtime)
        let cache = runtime.cache
        let supervisor = Supervisor(
            board: board,
            settings: settings, origin: origin, loader: loader, components: components,
            sessionCount: { cache.sessions(computer: configuration.computer.name).count },
            registry: registry, notifier: notifier, logLevel: levelControl, logger: logger, time: time
        )
        // The process root: the registry itself, the signal loop (alive through the drain, so a second
        // signal can escalate) and the supervisor. Nothing can host these but main.
        await withTaskGroup(of: Int32?.self) { group in
            group.addTask {  // registry-exempt: hosts the registry's own run()
                await registry.run()
                return nil
            }
            group.addTask {  // registry-exempt: the signal loop must outlive the registry's drain
                for await signal in signals {
                    switch signal {
                    case .sighup: await supervisor.reload()
                    default: await supervisor.stopSignal("\(signal)")
                    }
                }
                return nil
            }
            group.addTask { await supervisor.run() }  // registry-exempt: the root that owns the registry
            for await result in group {
                // Leave at once: after an unclean drain, abandoned tasks would keep the group open forever.
                if let code = result { exit(code) }
            }
        }
        exit(1)
    }

    /// What the API serves from: the command layer, the cache, and read-only views for `/status` and `/metrics`.
    static func apiEnvironment(runtime: SessionRuntime, registry: TaskRegistry, settings: LiveConfiguration, board: HealthBoard,
                               origin: ConfigurationLoader.Origin, interest: SubscriptionInterest, redis: RedisPart = .disabled,
                               time: TimeSource) -> APIEnvironment {
        let computer = settings.current.computer.name
        let cache = runtime.cache
        let bus = runtime.bus
        let bridge = runtime.bridge
        return APIEnvironment(
            commands: runtime.commands, cache: cache, bus: bus, registry: registry, computer: computer,
            tmuxBinary: { settings.current.computer.tmuxBinary },
            agents: { settings.current.agents.mapValues(\.command) },
            status: StatusReporter(version: version, computer: computer, origin: origin, runtime: runtime, board: board,
                                   interest: interest, redis: { redis.statusReport }, time: time).report,
            sample: {
                var sample = DaemonSample()
                sample.tasksByName = registry.liveCountsByName
                sample.tasksSpawned = Int(registry.spawnedCount)
                let stats = cache.statistics
                sample.cacheHits = stats.hits
                sample.cacheMisses = stats.misses
                sample.subprocessTimeouts = ProcessRunner.timeoutCount
                sample.controlClientRestarts = bridge.controlClientRestarts
                for status in SessionStatus.allCases where status.isLive {
                    sample.sessionsByStatus[status] = cache.sessions(statuses: [status]).count
                }
                let events = bus.statistics
                sample.eventHandlerTimeouts = events.slowHandlers
                sample.eventsDropped = events.dropped
                sample.residentBytes = APIMetrics.residentBytes()
                sample.redis = redis.sample
                for session in cache.sessions(computer: computer) {
                    if let cpu = session.record.cpuSeconds { sample.sessionUsage[session.id] = (cpu, session.record.memoryBytes) }
                    if let agent = session.record.agent { sample.sessionsByAgentState[agent.state, default: 0] += 1 }
                }
                return sample
            },
            interest: interest, peers: redis.gateway
        )
    }

    /// Validates the configuration and prints it with secrets redacted; the exit status of `check-config`.
    public static func checkConfiguration(configPath: String?) -> Int32 {
        let loader = ConfigurationLoader(environment: .current(), explicitPath: configPath)
        do {
            let (configuration, origin) = try loader.load()
            if let problem = redisProblem(configuration) {
                // The daemon would start without Redis; a check must still fail on it.
                FileHandle.standardError.write(Data("tetherd: invalid configuration: redis: \(problem)\n".utf8))
                return 1
            }
            print("# tetherd \(version): configuration from \(origin) is valid")
            print(configuration.renderedYAML(), terminator: "")
            return 0
        } catch {
            FileHandle.standardError.write(Data("tetherd: invalid configuration: \(error)\n".utf8))
            return 1
        }
    }

    /// Journal entries when stderr is the journal, readable lines on stderr otherwise.
    private static func bootstrapLogging(_ control: LogLevelControl) {
        let toJournal = JournalStream.isStderrTheJournal()
        LoggingSystem.bootstrap { label in
            toJournal ? JournalLogHandler(label: label, control: control) as any LogHandler : LineLogHandler(label: label, control: control)
        }
    }
}
