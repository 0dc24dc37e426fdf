import Logging
import TetherCore

/// The root of the daemon: owns the task registry and every component, starts them in order, tells
/// systemd how things are, reloads on SIGHUP and, on SIGTERM, stops the components in reverse order
/// and drains every task that is left.
///
/// Why its own order rather than swift-service-lifecycle's `ServiceGroup`: the components must run
/// as registry tasks (the one way work starts here, counted and named in `/metrics`), each needs its
/// own share of `timeouts.shutdown` (a `ServiceGroup` has one budget for all and then cancels all),
/// the next component must start only once the one before it can serve, and a component that
/// returns early must be a failure with exit status 1 whatever its kind.
public actor Supervisor {
    /// The daemon's life, in order; `reloading` returns to `ready`.
    public enum State: String, Sendable {
        case starting, ready, reloading, stopping, stopped
    }

    /// How long every component together may take to report started before the start fails.
    public static let startTimeout: Duration = .seconds(60)
    /// How long a component cancelled at the end of its share may take to return before it is
    /// abandoned: long enough for a task that honours cancellation, short against `TimeoutStopSec`.
    public static let componentCancellationGrace: Duration = .milliseconds(500)

    /// One started component and the events of its life.
    struct Running {
        let component: any Component
        let handle: TaskHandle
        let stopRequest: AsyncEvent
        let finished: AsyncEvent
    }

    public let registry: TaskRegistry
    public let board: HealthBoard
    public let settings: LiveConfiguration
    let loader: ConfigurationLoader
    private let origin: ConfigurationLoader.Origin
    private let components: [any Component]
    private let sessionCount: @Sendable () -> Int
    let notifier: any ServiceNotifier
    let logLevel: LogLevelControl
    let logger: Logger
    let time: TimeSource

    public internal(set) var state = State.starting
    let stopRequested = AsyncEvent()
    /// A second stop signal: every wait of the drain ends at once.
    let escalated = AsyncEvent()
    var running: [Running] = []
    var failure: String?
    /// Components that threw while stopping: the drain ends with exit status 1.
    var stopErrors = 0
    private var stopSignals = 0
    var reloadPending = false
    var lastReloadError: String?
    private let startedAt: Duration

    public init(
        board: HealthBoard? = nil,
        settings: LiveConfiguration,
        origin: ConfigurationLoader.Origin,
        loader: ConfigurationLoader,
        components: [any Component],
        sessionCount: @escaping @Sendable () -> Int = { 0 },
        registry: TaskRegistry,
        notifier: any ServiceNotifier,
        logLevel: LogLevelControl,
        logger: Logger,
        time: TimeSource
    ) {
        self.settings = settings
        self.sessionCount = sessionCount
        self.origin = origin
        self.loader = loader
        self.components = components
        self.registry = registry
        self.board = board ?? HealthBoard(time: time)
        self.notifier = notifier
        self.logLevel = logLevel
        self.logger = logger
        self.time = time
        self.startedAt = time.now
    }

    /// Runs the daemon until it is stopped; returns the process exit status.
    public func run() async -> Int32 {
        guard state == .starting else {
            logger.error("the supervisor was run twice; the second run does nothing")
            return 1
        }
        for component in components {
            board.register(component.name, heartbeatInterval: component.heartbeatInterval)
        }
        if let problem = await startInOrder() {
            if let failure { return await drain(failedStart: failure) }
            if stopRequested.isFired { return await drain() }
            return await drain(failedStart: problem)
        }

        state = .ready
        let startup = time.now - startedAt
        notifier.notify([ServiceNotification.ready, ServiceNotification.status(readyStatus())])
        logger.info(
            "tetherd ready",
            metadata: [
                "config.origin": "\(origin)",
                "components": "\(components.map(\.name).joined(separator: ","))",
                "startup_ms": "\(startup.milliseconds)",
            ]
        )
        if let period = notifier.watchdogPeriod {
            startWatchdog(period: period)
        }
        followConditions()
        if reloadPending {
            reloadPending = false
            await reload()
        }
        await stopRequested.wait()
        return await drain()
    }

    /// Starts each component once the one before it has reported started; nil when all did, else
    /// why the start ended early (a stop, a failure, the start timeout).
    private func startInOrder() async -> String? {
        let deadline = time.now + Self.startTimeout
        for component in components {
            notifier.notify([ServiceNotification.status("starting: \(component.name)")])
            let entry = startComponent(component)
            running.append(entry)
            guard let started = board.startedEvent(component.name) else { continue }
            let first = await AsyncEvent.first(of: [started, entry.finished, stopRequested], timeout: deadline - time.now, on: time)
            guard first == 0 else {
                if first == nil {
                    return "component \(component.name) did not start within \(Self.startTimeout)"
                }
                return failure ?? "stop requested while starting \(component.name)"
            }
        }
        return nil
    }

    private func startComponent(_ component: any Component) -> Running {
        let stopRequest = AsyncEvent()
        let finished = AsyncEvent()
        let name = component.name
        let context = ComponentContext(
            name: name,
            logger: logger.with("component.name", name),
            board: board,
            stopRequest: stopRequest,
            time: time
        )
        // `.complete`: the supervisor stops components itself before the registry drains the rest.
        let handle = registry.spawn(name: "component.\(name)", onShutdown: .complete) { [board] in
            var thrown: (any Error)?
            do {
                try await component.run(context: context)
            } catch {
                thrown = error
            }
            let asked = stopRequest.isFired
            let failed = thrown.map { !($0 is CancellationError) } ?? false
            board.markFinished(name, failed: failed || !asked)
            // The verdict first, so whoever waits on `finished` sees why it ended.
            await self.componentEnded(name, error: thrown, asked: asked)
            finished.fire()
        }
        return Running(component: component, handle: handle, stopRequest: stopRequest, finished: finished)
    }

    /// A component's `run` returned or threw. Before a stop was asked of it (and short of an
    /// escalated stop) that is a failure: the daemon stops with exit status 1 so systemd restarts it.
    private func componentEnded(_ name: String, error: (any Error)?, asked: Bool) {
        if asked || escalated.isFired {
            if let error, !(error is CancellationError) {
                stopErrors += 1
                logger.error("component failed while stopping", metadata: ["component.name": "\(name)", "error": "\(error)"])
            }
            return
        }
        let reason = error.map { "\($0)" } ?? "it returned while the daemon was running"
        logger.critical("component ended unexpectedly; stopping the daemon so systemd can restart it", metadata: [
            "component.name": "\(name)", "error": "\(reason)",
        ])
        failure = failure ?? "component \(name) failed: \(reason)"
        stopRequested.fire()
    }

    /// The `STATUS=` text while serving.
    func readyStatus() -> String {
        let config = settings.current
        var status = "ready: \(sessionCount()) sessions, redis \(config.redis.enabled ? "enabled" : "disabled")"
        for (_, condition) in board.conditions.current { status += "; \(condition)" }
        if let lastReloadError { status += "; last reload failed, running on the previous configuration: \(lastReloadError)" }
        return status
    }

    // MARK: Signals

    /// SIGTERM or SIGINT: the first starts the drain, a second escalates it to cancellation.
    public func stopSignal(_ name: String) {
        stopSignals += 1
        if stopSignals == 1 {
            logger.info("stop requested", metadata: ["signal": "\(name)"])
            stopRequested.fire()
        } else {
            logger.warning("second stop signal: cancelling every task now", metadata: ["signal": "\(name)"])
            escalated.fire()
            registry.cancelAll()
        }
    }
}

extension Logger {
    /// A copy with one more metadata value.
    func with(_ key: String, _ value: String) -> Logger {
        var copy = self
        copy[metadataKey: key] = "\(value)"
        return copy
    }
}
