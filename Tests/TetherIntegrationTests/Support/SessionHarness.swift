import Foundation
import Logging
import TetherCore
import TetherDaemon
import TetherStore
import TetherTerminal
#if canImport(Glibc)
import Glibc
#endif

/// A private world for session tests: `$HOME`, the database and the tmux socket directory
/// (`TMUX_TMPDIR`) all inside one temporary directory, so no test touches the user's tmux or another
/// test's server. `remove()` kills the tmux server it may have started.
final class SessionWorld: Sendable {
    let dir = TemporaryDirectory("tether-sessions")
    let socket = "t\(UInt32.random(in: 0...UInt32.max))"

    init() {
        try? FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
    }

    var home: String { dir.file("home") }

    var environment: ProcessEnvironment {
        var variables = ProcessInfo.processInfo.environment
        variables["HOME"] = home
        variables["TMUX_TMPDIR"] = dir.path
        variables["SHELL"] = "/bin/sh"
        variables["PS1"] = "$ "
        variables["ENV"] = ""
        variables.removeValue(forKey: "TMUX")
        return ProcessEnvironment(variables: variables, hostName: "testhost", userName: "tester", userID: getuid(), homeDirectory: home)
    }

    func configuration(_ change: (inout TetherConfiguration) -> Void = { _ in }) -> TetherConfiguration {
        var configuration = TetherConfiguration.defaults(environment: environment)
        configuration.computer.name = "testhost"
        configuration.computer.tmuxSocket = socket
        configuration.database.path = dir.file("state/tether.db")
        configuration.polling.interval = 0.2
        configuration.polling.minInterval = 0.1
        configuration.polling.maxInterval = 0.5
        configuration.timeouts.subprocessQuick = 5
        change(&configuration)
        return configuration
    }

    /// Runs tmux on this world's socket (tests only: setting up and checking).
    @discardableResult
    func tmux(_ arguments: [String]) async throws -> ProcessOutput {
        try await ProcessRunner.run("tmux", ["-L", socket] + arguments, environment: environment.variables, timeout: .seconds(10))
    }

    func remove() {
        // Blocking is fine here: a test's cleanup, with tmux answering at once.
        if let child = try? ChildProcess("/usr/bin/env", ["tmux", "-L", socket, "kill-server"], environment: environment.variables, logPath: dir.file("kill-server.log")) {
            waitpid(child.pid, nil, 0)
        }
        dir.remove()
    }
}

/// The session runtime as the daemon runs it (store, bridge with its control client, manager,
/// pollers, bus), driven by a registry that is a child of the test.
struct RunningSessions {
    let runtime: SessionRuntime
    let registry: TaskRegistry
    let settings: LiveConfiguration

    var commands: CommandLayer { runtime.commands }
    var manager: SessionManager { runtime.manager }
    var poller: OutputPoller { runtime.poller }
}

/// Starts the sessions component in `world`, waits until it reports started (reconciliation done),
/// runs `body`, then drains everything as a daemon stop does.
func withSessions(
    _ world: SessionWorld,
    configuration: TetherConfiguration? = nil,
    environment: ProcessEnvironment? = nil,
    _ body: (RunningSessions) async throws -> Void
) async throws {
    // TETHER_TEST_LOG=debug shows the runtime's log on stderr.
    let level = ProcessInfo.processInfo.environment["TETHER_TEST_LOG"].flatMap(Logger.Level.init(rawValue:))
    let logger = Logger(label: "test", factory: { label in
        guard let level else { return SwiftLogNoOpLogHandler() }
        return LineLogHandler(label: label, control: LogLevelControl(level))
    })
    let registry = TaskRegistry(logger: logger)
    let settings = LiveConfiguration(configuration ?? world.configuration())
    let time = TimeSource.continuous
    let runtime = try await SessionRuntime.open(settings: settings, environment: environment ?? world.environment, registry: registry, time: time, logger: logger)
    let component = SessionsComponent(runtime: runtime, registry: registry, time: time)
    let board = HealthBoard(time: time)
    board.register(component.name, heartbeatInterval: component.heartbeatInterval)
    let context = ComponentContext(name: component.name, logger: logger, board: board)
    var failure: (any Error)?
    await withDiscardingTaskGroup { group in
        group.addTask { await registry.run() }
        registry.spawn(name: "component.sessions") { try await component.run(context: context) }
        await board.waitUntilAllStarted()
        do {
            try await body(RunningSessions(runtime: runtime, registry: registry, settings: settings))
        } catch {
            failure = error
        }
        _ = await registry.shutdown(timeout: .seconds(5))
        group.cancelAll()
    }
    if let failure { throw failure }
}
