import Logging
import TetherCore
import TetherStore
import TetherTerminal

extension SessionRuntime {
    /// Opens the store (migrating it) and builds the rest; nothing runs until ``SessionsComponent`` does.
    ///
    /// The poller is built first and knows nothing of the sessions; the parts that start and stop its
    /// schedules get it, and the observer that records what it sees is handed to it only in
    /// ``runPolling()``, so no part needs one that is not built yet.
    public static func open(settings: LiveConfiguration, environment: ProcessEnvironment, registry: TaskRegistry,
                            time: TimeSource, logger: Logger) async throws -> SessionRuntime {
        let configuration = settings.current
        let computer = configuration.computer.name
        let store = try await SessionStore.open(path: configuration.database.path, logger: logger)
        let units = SystemdUnits(mode: configuration.computer.systemdUnits, environment: environment.variables, logger: logger)
        let sessionEnvironment = TerminalSettings.sessionEnvironment(
            from: environment.variables.merging(units.managerEnvironment) { _, derived in derived })
        let bridge = TerminalBridge(settings: {
            let current = settings.current
            return TerminalSettings(
                binary: current.computer.tmuxBinary, socket: current.computer.tmuxSocket,
                quickTimeout: .seconds(current.timeouts.subprocessQuick), timeout: .seconds(current.timeouts.subprocess),
                longTimeout: .seconds(current.timeouts.subprocessLong), historyLines: current.limits.captureHistoryLines,
                environment: sessionEnvironment
            )
        }, units: units.manager == nil ? nil : units, time: time, logger: logger)
        let cache = SessionCache(localComputer: computer, time: time)
        let bus = EventBus(registry: registry, time: time, boundedState: configuration.limits.boundedState,
                           handlerTimeout: { .seconds(settings.current.timeouts.eventHandler) }, logger: logger)
        let poller = OutputPoller(
            bridge: bridge, time: time,
            settings: {
                let polling = settings.current.polling
                return OutputPoller.Settings(minInterval: polling.minInterval, interval: polling.interval, maxInterval: polling.maxInterval)
            },
            historyLines: { settings.current.limits.captureHistoryLines },
            logger: logger
        )

        let files = BlockingWorker(name: "tether-files")
        let ledger = SessionLedger()
        let lookup = SessionLookup(cache: cache, store: store, ledger: ledger, computer: computer)
        let recorder = SessionRecorder(cache: cache, store: store, bus: bus, computer: computer, time: time,
                                       boundedState: configuration.limits.boundedState)
        let accountant = SessionAccountant(units: bridge.units, lookup: lookup, recorder: recorder, files: files)
        let scopes = SessionScopeController(units: bridge.units, settings: settings)
        let temp = SessionTempDirectory(environment: environment)
        let agents = AgentWatch(lookup: lookup, recorder: recorder, time: time, logger: logger)
        let transcriptStore = AgentTranscriptStore(time: time)
        let agentTranscripts = AgentTranscriptReader(files: files, store: transcriptStore, time: time, logger: logger)
        let submitter = AgentSubmitter(bridge: bridge, agents: agents, settings: settings, time: time, logger: logger)
        let exits = AgentExitWaiter(bridge: bridge, files: files, time: time)
        let delivery = SessionInputSender(lookup: lookup, recorder: recorder, bridge: bridge, poller: poller, time: time,
                                          agents: agents, submitter: submitter, exits: exits, queue: nil)
        let queue = AgentInputQueue(registry: registry, agents: agents, lookup: lookup, time: time, logger: logger,
                                    deliveryWait: { .milliseconds(Int64(settings.current.timeouts.agentInputWait * 1000)) },
                                    announce: { bus.publish(.inputChanged($0)) },
                                    shellInFront: { id in await delivery.shellInFront(id) },
                                    deliver: { id, text, adapter in try await delivery.deliverQueued(id, text, adapter: adapter) })
        let input = SessionInputSender(lookup: lookup, recorder: recorder, bridge: bridge, poller: poller, time: time,
                                       agents: agents, submitter: submitter, exits: exits, queue: queue)
        let notices = AgentNotifier(lookup: lookup, input: input, registry: registry, logger: logger)
        agents.attach(notices)
        let ender = SessionEnder(lookup: lookup, ledger: ledger, recorder: recorder, accountant: accountant, poller: poller, bridge: bridge,
                                 scopes: scopes, temp: temp, files: files, settings: settings, time: time, logger: logger)
        let policy = WorkingDirectoryPolicy(configuration: configuration, environment: environment)
        let hookTokens = AgentHookTokens(directory: { temp.path(for: $0) + "/" + AgentLauncher.directoryName }, files: files,
                                         isLive: { lookup.live($0) != nil }, logger: logger)
        // Reading /proc/self/exe and stat-ing the sibling block: on the files worker, not the pool.
        let client = try await files.run { AgentLauncher.siblingClient() }
        let launcher = AgentLauncher(client: client, socket: configuration.api.socket, tokens: hookTokens)
        let creator = SessionCreator(
            lookup: lookup, ledger: ledger, recorder: recorder, accountant: accountant, input: input, poller: poller, bridge: bridge,
            scopes: scopes, temp: temp, launcher: launcher, agents: agents, files: files, store: store, policy: policy, settings: settings,
            shell: environment.variables["SHELL"].flatMap { $0.isEmpty ? nil : $0 } ?? SessionCreator.fallbackShell, time: time, logger: logger
        )
        let manager = SessionManager(lookup: lookup, creator: creator, input: input,
                                     transcripts: TranscriptReader(lookup: lookup, bridge: bridge, agentTranscripts: agentTranscripts, settings: settings), ender: ender,
                                     steering: SessionSteering(lookup: lookup, input: input, recorder: recorder, policy: policy, settings: settings,
                                                                              launcher: launcher, agents: agents, temp: temp, files: files,
                                                                              exits: exits),
                                     hooks: AgentHookReceiver(lookup: lookup, recorder: recorder, watch: agents, transcripts: transcriptStore, logger: logger),
                                     hookTokens: hookTokens)
        let reconciler = SessionReconciler(store: store, recorder: recorder, accountant: accountant, poller: poller, bridge: bridge,
                                           scopes: scopes, temp: temp, files: files, agents: agents, exits: exits, settings: settings,
                                           computer: computer, time: time, logger: logger)
        let observer = SessionObserver(lookup: lookup, ledger: ledger, recorder: recorder, ender: ender, agents: agents, time: time, logger: logger)
        let stats = SystemStatsReader(diskPath: directoryPart(of: configuration.database.path), time: time)
        return SessionRuntime(
            store: store, bridge: bridge, cache: cache, bus: bus, poller: poller, manager: manager, stats: stats,
            commands: CommandLayer(manager: manager, settings: settings, stats: stats, hostName: environment.hostName, files: files, notices: notices),
            reconciler: reconciler, accountant: accountant, observer: observer, files: files, notices: notices
        )
    }
}

/// The directory holding `path` ("." for a bare name).
private func directoryPart(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return slash == path.startIndex ? "/" : String(path[..<slash])
}
