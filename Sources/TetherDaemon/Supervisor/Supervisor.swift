import Logging
import TetherCore

/// The root of the daemon: owns the task registry and every component, runs the start sequence,
/// tells systemd how things are, reloads on SIGHUP and drains everything on SIGTERM.
public actor Supervisor {
    /// The daemon's life, in order; `reloading` returns to `ready`.
    public enum State: String, Sendable {
        case starting, ready, reloading, stopping, stopped
    }

    /// How long every component together may take to report started before the start fails.
    public static let startTimeout: Duration = .seconds(60)

    public let registry: TaskRegistry
    public let board: HealthBoard
    public let settings: LiveConfiguration
    private let loader: ConfigurationLoader
    private let origin: ConfigurationLoader.Origin
    private let components: [any Component]
    private let sessionCount: @Sendable () -> Int
    private let notifier: any ServiceNotifier
    private let logLevel: LogLevelControl
    private let logger: Logger
    private let time: TimeSource

    public private(set) var state = State.starting
    private let stopRequested = AsyncEvent()
    private var failure: String?
    private var stopSignals = 0
    private var reloadPending = false
    private var lastReloadError: String?
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
        for component in components {
            startComponent(component)
        }
        notifier.notify([ServiceNotification.status("starting: waiting for \(components.map(\.name).joined(separator: ", "))")])
        let allStarted = await waitForComponents()
        if let failure {
            return fail(failure)
        }
        guard allStarted else {
            if stopRequested.isFired { return await drain() }
            let waiting = board.reports().filter { $0.phase == .starting }.map(\.name)
            return fail("components did not start within \(Self.startTimeout): \(waiting.joined(separator: ", "))")
        }
        guard !stopRequested.isFired else { return await drain() }

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
        if reloadPending {
            reloadPending = false
            await reload()
        }
        await stopRequested.wait()
        return await drain()
    }

    private func startComponent(_ component: any Component) {
        let context = ComponentContext(
            name: component.name,
            logger: logger.with("component.name", component.name),
            board: board
        )
        registry.spawn(name: "component.\(component.name)") { [board] in
            do {
                try await component.run(context: context)
                board.markFinished(component.name, failed: false)
            } catch is CancellationError {
                board.markFinished(component.name, failed: false)
            } catch {
                board.markFinished(component.name, failed: true)
                await self.componentFailed(component.name, error)
            }
        }
    }

    private func componentFailed(_ name: String, _ error: any Error) {
        guard state != .stopping, state != .stopped else { return }
        let message = "component \(name) failed: \(error)"
        logger.critical("component failed; stopping the daemon so systemd can restart it", metadata: [
            "component.name": "\(name)", "error": "\(error)",
        ])
        failure = failure ?? message
        stopRequested.fire()
    }

    private func waitForComponents() async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            // registry-exempt: a structured race of three waits, cancelled before this returns.
            group.addTask { await self.board.waitUntilAllStarted(); return !Task.isCancelled }  // registry-exempt: see above
            group.addTask { await self.stopRequested.wait(); return false }  // registry-exempt: see above
            group.addTask { [time] in  // registry-exempt: see above
                try? await time.sleep(for: Self.startTimeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }

    private func fail(_ reason: String) -> Int32 {
        state = .stopped
        logger.critical("tetherd failed to start", metadata: ["error": "\(reason)"])
        notifier.notify([ServiceNotification.status("failed: \(reason)")])
        return 1
    }

    /// The `STATUS=` text while serving.
    private func readyStatus() -> String {
        let config = settings.current
        var status = "ready: \(sessionCount()) sessions, redis \(config.redis.enabled ? "enabled" : "disabled")"
        if let lastReloadError { status += "; last reload failed, running on the previous configuration: \(lastReloadError)" }
        return status
    }

    // MARK: Watchdog

    private func startWatchdog(period: Duration) {
        let interval = period / 2
        logger.debug("watchdog enabled", metadata: ["watchdog.interval_ms": "\(interval.milliseconds)"])
        registry.spawn(name: "watchdog") { [board, notifier, logger, time] in
            var reportedStall: [String] = []
            while true {
                let unhealthy = board.unhealthy()
                if unhealthy.isEmpty {
                    notifier.notify([ServiceNotification.watchdog])
                    if !reportedStall.isEmpty {
                        logger.notice("components healthy again; watchdog pings resumed")
                        reportedStall = []
                    }
                } else if unhealthy != reportedStall {
                    reportedStall = unhealthy
                    logger.error(
                        "components stalled; withholding watchdog pings so systemd restarts the daemon",
                        metadata: ["components.stalled": "\(unhealthy.joined(separator: ","))"]
                    )
                    notifier.notify([ServiceNotification.status("stalled: \(unhealthy.joined(separator: ", "))")])
                }
                try await time.sleep(for: interval)
            }
        }
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
            registry.cancelAll()
        }
    }

    /// SIGHUP: re-read the configuration, apply what can change live, keep the old one if the new is invalid.
    public func reload() async {
        switch state {
        case .starting:
            reloadPending = true
            return
        case .reloading, .stopping, .stopped:
            return
        case .ready:
            break
        }
        state = .reloading
        notifier.notify([ServiceNotification.reloading, ServiceNotification.status("reloading configuration")])
        let old = settings.current
        do {
            let (new, newOrigin) = try loader.load()
            let change = ConfigurationChange(from: old, to: new)
            settings.replace(with: old.applyingLiveSections(of: new))
            logLevel.current = new.logging.level
            lastReloadError = nil
            logger.log(
                level: change.needRestart.isEmpty ? .info : .notice,
                "configuration reloaded",
                metadata: [
                    "config.origin": "\(newOrigin)",
                    "config.changed": "\(change.appliedLive.joined(separator: ","))",
                    "config.restart_required": "\(change.needRestart.joined(separator: ","))",
                ]
            )
            logger.debug("reload applied", metadata: ["log.level": "\(new.logging.level)"])
        } catch {
            lastReloadError = "\(error)"
            logger.error(
                "configuration reload failed; still running on the previous configuration",
                metadata: ["error": "\(error)"]
            )
        }
        // A stop may have arrived while we were reloading; it wins.
        guard state == .reloading else { return }
        state = .ready
        notifier.notify([ServiceNotification.ready, ServiceNotification.status(readyStatus())])
    }

    // MARK: Stopping

    private func drain() async -> Int32 {
        state = .stopping
        let timeout = Duration.milliseconds(Int64(settings.current.timeouts.shutdown * 1000))
        let live = registry.liveCount
        notifier.notify([ServiceNotification.stopping, ServiceNotification.status("stopping: draining \(live) tasks")])
        let start = time.now
        let abandoned = await registry.shutdown(timeout: timeout)
        let elapsed = time.now - start
        state = .stopped
        if abandoned.isEmpty {
            logger.info(
                "drained \(live) tasks",
                metadata: ["tasks.drained": "\(live)", "drain_ms": "\(elapsed.milliseconds)"]
            )
        } else {
            logger.error(
                "drained \(live - abandoned.count) of \(live) tasks; abandoned the rest at the deadline",
                metadata: [
                    "tasks.drained": "\(live - abandoned.count)",
                    "tasks.abandoned": "\(abandoned.joined(separator: ","))",
                    "drain_ms": "\(elapsed.milliseconds)",
                ]
            )
        }
        if let failure {
            notifier.notify([ServiceNotification.status("failed: \(failure)")])
            return 1
        }
        return abandoned.isEmpty ? 0 : 1
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
