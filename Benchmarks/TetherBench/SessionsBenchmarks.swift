import Foundation
import Logging
import Synchronization
import TetherCore
import TetherDaemon
import TetherTerminal

/// A private directory, tmux socket and database for one benchmark; `remove()` kills its tmux server.
struct BenchWorld {
    let root: String
    let socket = "bench\(UInt32.random(in: 0...UInt32.max))"

    init() {
        var template = Array("/tmp/tether-bench-XXXXXX".utf8CString)
        root = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
        try? FileManager.default.createDirectory(atPath: root + "/home", withIntermediateDirectories: true)
    }

    var environment: ProcessEnvironment {
        var variables = ProcessInfo.processInfo.environment
        variables["HOME"] = root + "/home"
        variables["TMUX_TMPDIR"] = root
        variables["SHELL"] = "/bin/sh"
        variables.removeValue(forKey: "TMUX")
        return ProcessEnvironment(variables: variables, hostName: "bench", userName: "bench", userID: getuid(), homeDirectory: root + "/home")
    }

    func configuration(polling seconds: Double) -> TetherConfiguration {
        var configuration = TetherConfiguration.defaults(environment: environment)
        configuration.computer.name = "bench"
        configuration.computer.tmuxSocket = socket
        configuration.database.path = root + "/state/tether.db"
        configuration.polling.interval = seconds
        configuration.polling.minInterval = seconds
        configuration.polling.maxInterval = seconds
        configuration.limits.maxSessions = 1000
        return configuration
    }

    func serverPid() -> Int32? {
        let path = root + "/tmux-\(getuid())/\(socket)"
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for entry in entries {
            guard let pid = Int32(entry), let comm = try? String(contentsOfFile: "/proc/\(entry)/comm", encoding: .utf8),
                  comm.hasPrefix("tmux"), let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else { continue }
            let arguments = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            if arguments.contains(socket), !arguments.contains("-C"), getppid() != pid {
                // The server is the one whose parent is not us (it daemonized).
                if let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                   let close = stat.lastIndex(of: ")"),
                   let parent = Int32(stat[stat.index(close, offsetBy: 2)...].split(separator: " ")[1]), parent != getpid() {
                    return pid
                }
            }
        }
        return nil
    }

    func remove() async {
        _ = try? await ProcessRunner.run("tmux", ["-L", socket, "kill-server"], environment: environment.variables, timeout: .seconds(10))
        try? FileManager.default.removeItem(atPath: root)
    }
}

/// Runs the sessions component of `world` (as the daemon does) around `body`.
func withRuntime(_ world: BenchWorld, _ configuration: TetherConfiguration, _ body: (SessionRuntime) async throws -> Void) async throws {
    let logger = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
    let registry = TaskRegistry(logger: logger)
    let settings = LiveConfiguration(configuration)
    let time = TimeSource.continuous
    let runtime = try await SessionRuntime.open(settings: settings, environment: world.environment, registry: registry, time: time, logger: logger)
    let component = SessionsComponent(runtime: runtime, registry: registry, time: time)
    let board = HealthBoard(time: time)
    board.register(component.name, heartbeatInterval: component.heartbeatInterval)
    let context = ComponentContext(name: component.name, logger: logger, board: board)
    var failure: (any Error)?
    await withDiscardingTaskGroup { group in
        group.addTask { await registry.run() }  // registry-exempt: the harness hosts the registry, as main does
        registry.spawn(name: "component.sessions") { try await component.run(context: context) }
        await board.waitUntilAllStarted()
        do { try await body(runtime) } catch { failure = error }
        _ = await registry.shutdown(timeout: .seconds(10))
        group.cancelAll()
    }
    if let failure { throw failure }
}

/// Records how late a 10 ms ticker wakes on the cooperative pool.
final class Ticker: Sendable {
    static let period: Duration = .milliseconds(10)
    private let lateness = Mutex<[Double]>([])

    func run() async {
        let clock = ContinuousClock()
        var deadline = clock.now + Self.period
        while !Task.isCancelled {
            do { try await clock.sleep(until: deadline) } catch { return }
            let late = deadline.duration(to: clock.now)
            lateness.withLock { $0.append(Double(late.components.seconds) * 1000 + Double(late.components.attoseconds) / 1e15) }
            deadline += Self.period
            if deadline < clock.now { deadline = clock.now + Self.period }
        }
    }

    /// p50, p99 and max in milliseconds since the last call, then starts over.
    func take() -> (p50: Double, p99: Double, max: Double, count: Int) {
        let samples = lateness.withLock { samples -> [Double] in
            defer { samples.removeAll() }
            return samples
        }
        return (Measure.percentile(samples, 0.5), Measure.percentile(samples, 0.99), samples.max() ?? .nan, samples.count)
    }
}

enum PollingBenchmark {
    /// Seconds the 10 ms ticker runs in each approach (its own wake-ups would otherwise count as daemon CPU).
    static let tickerSeconds = 20

    static func run(sessions count: Int, seconds: Int) async throws -> [String] {
        let world = BenchWorld()
        var lines: [String] = []
        try await withRuntime(world, world.configuration(polling: 1.0)) { runtime in
            var names: [String] = []
            for _ in 0..<count {
                let session = try await runtime.commands.newSession(.init(workingDirectory: world.environment.homeDirectory))
                names.append(session.record.tmuxSessionName)
            }
            let sessionNames = names
            try await Task.sleep(for: .seconds(5))  // warm-up: prompts drawn, pollers settled at 1 s
            let server = world.serverPid() ?? 0

            // Tether: one control client carries every poll.
            let spawns0 = ProcessRunner.spawnCount, cpu0 = Measure.cpuSeconds(), server0 = Measure.cpuSeconds(pid: server)
            let polls0 = runtime.poller.pollCount
            try await Task.sleep(for: .seconds(seconds))
            let tether = (spawns: ProcessRunner.spawnCount - spawns0, cpu: Measure.cpuSeconds() - cpu0,
                          server: Measure.cpuSeconds(pid: server) - server0, polls: runtime.poller.pollCount - polls0)
            let tetherTicks = try await tickerDelays { try await Task.sleep(for: .seconds(tickerSeconds)) }

            // The Python daemon's way: three one-shot tmux processes per session per second.
            runtime.poller.stopAll()
            await runtime.poller.waitUntilStopped()
            let environment = TerminalSettings.sessionEnvironment(from: world.environment.variables)
            let sweep: @Sendable (Int) async throws -> Int = { seconds in
                let clock = ContinuousClock()
                let end = clock.now + .seconds(seconds)
                var tick = clock.now
                var ticks = 0
                while clock.now < end {
                    try await withThrowingDiscardingTaskGroup { group in
                        for name in sessionNames {
                            group.addTask {  // registry-exempt: the one-shot baseline's polls, structured and awaited here
                                for arguments in [["capture-pane", "-p", "-J", "-t", "=\(name):"],
                                                  ["display-message", "-p", "-t", "=\(name):", "#{pane_current_command}"],
                                                  ["list-panes", "-t", "=\(name):", "-F", "#{pane_dead}"]] {
                                    _ = try await ProcessRunner.run("tmux", ["-L", world.socket] + arguments, environment: environment, timeout: .seconds(30))
                                }
                            }
                        }
                    }
                    ticks += 1
                    tick += .seconds(1)
                    if tick > clock.now { try await clock.sleep(until: tick) }
                }
                return ticks
            }
            let oneShotSpawns0 = ProcessRunner.spawnCount, oneShotCPU0 = Measure.cpuSeconds()
            let children0 = Measure.cpuSeconds(children: true), oneShotServer0 = Measure.cpuSeconds(pid: server)
            let ticks = try await sweep(seconds)
            let oneShot = (spawns: ProcessRunner.spawnCount - oneShotSpawns0, cpu: Measure.cpuSeconds() - oneShotCPU0,
                           children: Measure.cpuSeconds(children: true) - children0, server: Measure.cpuSeconds(pid: server) - oneShotServer0)
            let oneShotTicks = try await tickerDelays { _ = try await sweep(tickerSeconds) }

            let span = Double(seconds)
            func percent(_ cpu: Double) -> String { String(format: "%.2f%%", cpu / span * 100) }
            func delays(_ ticks: (p50: Double, p99: Double, max: Double, count: Int)) -> String {
                String(format: "%.2f / %.2f / %.2f ms", ticks.p50, ticks.p99, ticks.max)
            }
            lines = [
                "## Polling \(count) live sessions at 1 s for \(seconds) s", "",
                "| approach | processes spawned | daemon CPU (% of one core) | tmux client processes' CPU | tmux server CPU | 10 ms ticker delay p50 / p99 / max (\(tickerSeconds) s) |",
                "|---|---|---|---|---|---|",
                "| Tether: one control-mode client (\(tether.polls) polls) | \(tether.spawns) | \(percent(tether.cpu)) | none | \(percent(tether.server)) | \(delays(tetherTicks)) |",
                "| one-shot, 3 tmux processes per session per tick (\(ticks) ticks) | \(oneShot.spawns) | \(percent(oneShot.cpu)) | \(percent(oneShot.children)) | \(percent(oneShot.server)) | \(delays(oneShotTicks)) |",
            ]
        }
        await world.remove()
        return lines
    }

    /// Runs `body` with the 10 ms ticker beside it and returns the ticker's delays.
    static func tickerDelays(_ body: @escaping @Sendable () async throws -> Void) async throws -> (p50: Double, p99: Double, max: Double, count: Int) {
        let ticker = Ticker()
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { await ticker.run() }  // registry-exempt: the measuring ticker, a structured child awaited here
            try await body()
            group.cancelAll()
        }
        return ticker.take()
    }
}

enum MemoryBenchmark {
    static func run(cycles: Int) async throws -> [String] {
        let world = BenchWorld()
        var lines: [String] = []
        try await withRuntime(world, world.configuration(polling: 1.0)) { runtime in
            // A subscriber, so the bus's per-session state is exercised too.
            runtime.bus.subscribe("bench") { _ in }
            var afterFirstThousand = 0.0
            var cycleTimes: [Double] = []
            var checkpoints: [String] = []
            let clock = ContinuousClock()
            for cycle in 1...cycles {
                let start = clock.now
                let session = try await runtime.commands.newSession(.init(workingDirectory: world.environment.homeDirectory))
                try await runtime.commands.endSession(sessionID: session.id)
                let took = start.duration(to: clock.now)
                cycleTimes.append(Double(took.components.seconds) * 1000 + Double(took.components.attoseconds) / 1e15)
                if cycle == min(1000, cycles) { afterFirstThousand = Measure.residentMiB() }
                if cycle % 1000 == 0 { checkpoints.append(String(format: "%.1f", Measure.residentMiB())) }
            }
            let atEnd = Measure.residentMiB()
            let stats = runtime.cache.statistics
            lines = [
                "## Resident memory over \(cycles) create/close cycles", "",
                "| after 1,000 cycles | after \(cycles) cycles | growth | cycle time p50 / p99 | sessions left in cache | pollers left |",
                "|---|---|---|---|---|---|",
                String(format: "| %.1f MiB | %.1f MiB | %+.2f MiB | %.2f / %.2f ms | %d | %d |", afterFirstThousand, atEnd, atEnd - afterFirstThousand,
                       Measure.percentile(cycleTimes, 0.5), Measure.percentile(cycleTimes, 0.99), stats.sessions, runtime.poller.activeCount),
                "", "VmRSS (MiB) after each 1,000 cycles: " + checkpoints.joined(separator: ", "),
            ]
        }
        await world.remove()
        return lines
    }
}
