// The daemon plus fault injectors, for tests and benchmarks. It is never installed, so no
// production configuration can reach the switches below:
//   TETHER_FIXTURE_STALL_AFTER=S   a component that beats every 100 ms stops beating after S seconds
//   TETHER_FIXTURE_IDLE_TASKS=N    N idle registry tasks that wait for the drain
//   TETHER_FIXTURE_FAKE_SESSIONS=N N sessions in the cache with no tmux behind them (listing benchmarks)
//   TETHER_FIXTURE_SLOW_CLEANUP=MS a component, stopped first, whose clean-up runs
//                                  TETHER_FIXTURE_CLEANUP_COMMAND (sh -c) if set, takes MS more
//                                  milliseconds, then writes the setting `fixture.cleanup` in the store
//   TETHER_FIXTURE_RETURN_AFTER=S  a component that returns on its own S seconds after it started
// Usage: tetherd-fixture [--config PATH]
import Foundation
import TetherCore
import TetherDaemon
import TetherTerminal

/// Long enough to outlast any test: how long a stalled or idle fixture waits.
let forever: Duration = .seconds(86_400)
/// The fixtures' heartbeat: often enough that a stall shows within a test's patience.
let fixtureBeat: Duration = .seconds(1)

/// Beats like a healthy component, then hangs without exiting: what a deadlocked component looks like.
struct StallingComponent: Component {
    let name = "fixture-stall"
    /// Fast beats, so the watchdog tests see a stall within a second.
    let heartbeatInterval: Duration = .milliseconds(100)
    let stallAfter: Duration
    let time: TimeSource

    func run(context: ComponentContext) async throws {
        context.started()
        let stallAt = time.now + stallAfter
        while time.now < stallAt {
            context.beat()
            try await time.sleep(for: heartbeatInterval)
        }
        context.logger.warning("fixture: stalling now")
        try await time.sleep(for: forever)
    }
}

/// Spawns idle tasks once, then idles itself.
struct IdleTasksComponent: Component {
    let name = "fixture-idle"
    var heartbeatInterval: Duration { fixtureBeat }
    let count: Int
    let registry: TaskRegistry
    let time: TimeSource

    func run(context: ComponentContext) async throws {
        for _ in 0..<count {
            registry.spawn(name: "fixture.idle") { [time] in try await time.sleep(for: forever) }
        }
        context.started()
        repeat { context.beat() } while await context.sleep(for: heartbeatInterval)
    }
}

/// Puts `count` made-up live sessions of this computer into the cache, then idles.
struct FakeSessionsComponent: Component {
    let name = "fixture-sessions"
    var heartbeatInterval: Duration { fixtureBeat }
    let count: Int
    let runtime: SessionRuntime
    let time: TimeSource

    func run(context: ComponentContext) async throws {
        let computer = runtime.cache.localComputer
        for index in 0..<count {
            let id = String(format: "%08x-fake-4000-8000-%012x", index, index)
            var record = SessionRecord(sessionID: id, computerName: computer, tmuxSessionName: SessionRecord.tmuxName(for: id), createdAt: time.wallNow)
            record.title = "bench: $\(computer) - fake session \(index)"
            record.workingDirectory = "/srv/project-\(index % 50)"
            record.originAdapter = "rest"
            record.status = index % 4 == 0 ? .idle : .active
            record.lastMessageSent = "make test"
            runtime.cache.upsert(Session(record))
        }
        context.started()
        repeat { context.beat() } while await context.sleep(for: heartbeatInterval)
    }
}

/// Needs time to clean up, and records in the store during it: the ordered drain must let it finish.
struct SlowCleanupComponent: Component {
    let name = "fixture-cleanup"
    var heartbeatInterval: Duration { fixtureBeat }
    /// The most the clean-up command may take.
    static let commandTimeout: Duration = .seconds(5)
    let cleanup: Duration
    let command: String?
    let runtime: SessionRuntime
    let time: TimeSource

    func run(context: ComponentContext) async throws {
        context.started()
        repeat { context.beat() } while await context.sleep(for: heartbeatInterval)
        let began = time.now
        if let command {
            let output = try? await ProcessRunner.run("/bin/sh", ["-c", command], environment: ProcessInfo.processInfo.environment, timeout: Self.commandTimeout)
            context.logger.info("fixture: clean-up command ran", metadata: ["status": "\(output.map { "\($0.status)" } ?? "failed")"])
        }
        try await time.sleep(for: cleanup)
        try await runtime.store.setValue("done in \((time.now - began).milliseconds) ms", forKey: "fixture.cleanup")
        context.logger.info("fixture: clean-up done")
    }
}

/// Serves for a while, then returns although nobody asked it to stop: a component that died quietly.
struct ReturningComponent: Component {
    let name = "fixture-return"
    var heartbeatInterval: Duration { fixtureBeat }
    let after: Duration
    let time: TimeSource

    func run(context: ComponentContext) async throws {
        context.started()
        _ = await context.sleep(for: after)
    }
}

let environment = ProcessInfo.processInfo.environment
var configPath: String?
if let index = CommandLine.arguments.firstIndex(of: "--config"), index + 1 < CommandLine.arguments.count {
    configPath = CommandLine.arguments[index + 1]
}
let stallAfter = environment["TETHER_FIXTURE_STALL_AFTER"].flatMap(Double.init)
let idleTasks = environment["TETHER_FIXTURE_IDLE_TASKS"].flatMap(Int.init) ?? 0
let fakeSessions = environment["TETHER_FIXTURE_FAKE_SESSIONS"].flatMap(Int.init) ?? 0
let slowCleanup = environment["TETHER_FIXTURE_SLOW_CLEANUP"].flatMap(Int64.init)
let returnAfter = environment["TETHER_FIXTURE_RETURN_AFTER"].flatMap(Double.init)

await Daemon.run(configPath: configPath) { registry, time, runtime in
    var components: [any Component] = []
    if let stallAfter {
        components.append(StallingComponent(stallAfter: .milliseconds(Int64(stallAfter * 1000)), time: time))
    }
    if fakeSessions > 0 {
        components.append(FakeSessionsComponent(count: fakeSessions, runtime: runtime, time: time))
    }
    if idleTasks > 0 {
        components.append(IdleTasksComponent(count: idleTasks, registry: registry, time: time))
    }
    if let slowCleanup {
        components.append(SlowCleanupComponent(cleanup: .milliseconds(slowCleanup), command: environment["TETHER_FIXTURE_CLEANUP_COMMAND"],
                                               runtime: runtime, time: time))
    }
    if let returnAfter {
        components.append(ReturningComponent(after: .milliseconds(Int64(returnAfter * 1000)), time: time))
    }
    return components
}
