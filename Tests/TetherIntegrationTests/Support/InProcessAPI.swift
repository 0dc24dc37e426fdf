import Logging
import TetherAPI
import TetherClient
import TetherCore
import Testing

/// The API component in this process over a socket in a temporary directory, serving `commands`
/// as this computer and `peers` as the others, for the length of `body`.
func withInProcessAPI(commands: RecordingCommands, peers: (any PeerGateway)?,
                      _ body: (TetherHTTPClient, SessionCache) async throws -> Void) async throws {
    let dir = TemporaryDirectory("tether-inapi")
    defer { dir.remove() }
    let logger = Logger(label: "api-test")
    let time = TimeSource.continuous
    let registry = TaskRegistry(logger: logger)
    let cache = SessionCache(localComputer: commands.computer, time: time)
    let bus = EventBus(registry: registry, time: time, boundedState: 64, handlerTimeout: { .seconds(5) }, logger: logger)
    let environment = APIEnvironment(
        commands: commands, cache: cache, bus: bus, registry: registry, computer: commands.computer, tmuxBinary: { "tmux" },
        agents: { ["claude": "claude"] },
        status: { StatusReport(version: "test", uptimeSeconds: 0, computer: commands.computer, configuration: "-", sessions: 0,
                               tmuxControlClient: false, components: []) },
        sample: { DaemonSample() }, interest: SubscriptionInterest(), peers: peers)
    let server = APIServer(socketPath: dir.file("api.sock"), socketMode: 0o600, environment: environment, version: "test",
                           time: time, logger: logger)
    let board = HealthBoard(time: time)
    board.register(server.name, heartbeatInterval: server.heartbeatInterval)
    let stop = AsyncEvent()
    let finished = AsyncEvent()
    let context = ComponentContext(name: server.name, logger: logger, board: board, stopRequest: stop, time: time)
    var failure: (any Error)?
    await withDiscardingTaskGroup { group in
        group.addTask { await registry.run() }
        group.addTask {
            do { try await server.run(context: context) } catch { Issue.record("the API stopped: \(error)") }
            finished.fire()
        }
        let client = TetherHTTPClient(socketPath: dir.file("api.sock"), timeout: .seconds(10))
        if await eventually(timeout: .seconds(10), { (try? client.get("/health").status) == 200 }) {
            do { try await body(client, cache) } catch { failure = error }
        } else {
            Issue.record("the in-process API did not serve \(dir.file("api.sock"))")
        }
        stop.fire()
        if await !finished.wait(timeout: .seconds(10), on: time) { Issue.record("the API did not stop") }
        _ = await registry.shutdown(timeout: .seconds(5))
        group.cancelAll()
    }
    if let failure { throw failure }
}
