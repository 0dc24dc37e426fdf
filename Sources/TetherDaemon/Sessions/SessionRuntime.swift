import Logging
import TetherCore
import TetherStore
import TetherTerminal

/// Everything that runs this computer's sessions, wired once: store, terminal bridge, cache, event
/// bus, session manager (with its pollers), system stats and the command layer.
public struct SessionRuntime: Sendable {
    public let store: SessionStore
    public let bridge: TerminalBridge
    public let cache: SessionCache
    public let bus: EventBus
    public let manager: SessionManager
    public let stats: SystemStatsReader
    public let commands: CommandLayer

    /// Opens the store (migrating it) and builds the rest; nothing runs until ``SessionsComponent`` does.
    public static func open(settings: LiveConfiguration, environment: ProcessEnvironment, registry: TaskRegistry,
                            time: TimeSource, logger: Logger) async throws -> SessionRuntime {
        let configuration = settings.current
        let store = try await SessionStore.open(path: configuration.database.path, logger: logger)
        let sessionEnvironment = TerminalSettings.sessionEnvironment(from: environment.variables)
        let units = SystemdUnits(mode: configuration.computer.systemdUnits, environment: environment.variables, logger: logger)
        let bridge = TerminalBridge(settings: {
            let current = settings.current
            return TerminalSettings(
                binary: current.computer.tmuxBinary, socket: current.computer.tmuxSocket,
                quickTimeout: .seconds(current.timeouts.subprocessQuick), timeout: .seconds(current.timeouts.subprocess),
                longTimeout: .seconds(current.timeouts.subprocessLong), historyLines: current.limits.captureHistoryLines,
                environment: sessionEnvironment
            )
        }, units: units.manager == nil ? nil : units, time: time, logger: logger)
        let cache = SessionCache(localComputer: configuration.computer.name, time: time)
        let bus = EventBus(registry: registry, time: time, boundedState: configuration.limits.boundedState,
                           handlerTimeout: { .seconds(settings.current.timeouts.eventHandler) }, logger: logger)
        let manager = SessionManager(store: store, bridge: bridge, cache: cache, bus: bus, registry: registry,
                                     settings: settings, environment: environment, time: time, logger: logger)
        let stats = SystemStatsReader(diskPath: directoryPart(of: configuration.database.path), time: time)
        let commands = CommandLayer(manager: manager, settings: settings, stats: stats, hostName: environment.hostName)
        return SessionRuntime(store: store, bridge: bridge, cache: cache, bus: bus, manager: manager, stats: stats, commands: commands)
    }
}

/// The directory holding `path` ("." for a bare name).
private func directoryPart(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return slash == path.startIndex ? "/" : String(path[..<slash])
}
