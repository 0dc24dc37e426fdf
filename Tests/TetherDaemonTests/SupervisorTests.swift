import Logging
import Synchronization
import Testing
import TetherCore
@testable import TetherDaemon

/// The supervisor's order and shares, with made-up components on a manual clock: nothing sleeps.
@Suite(.timeLimit(.minutes(1))) struct SupervisorTests {
    /// What the components did, in order.
    final class Journal: Sendable {
        let lines = Mutex<[String]>([])
        func add(_ line: String) { lines.withLock { $0.append(line) } }
        var all: [String] { lines.withLock { $0 } }
    }

    /// Starts when asked, stops as told: gracefully, only when cancelled, never, or on its own.
    struct FakeComponent: Component {
        enum Stop: Sendable { case graceful, onlyWhenCancelled, returnsEarly }
        let name: String
        /// Reported before it starts: a component that serves degraded.
        var condition: String?
        let heartbeatInterval: Duration = .seconds(1)
        let stop: Stop
        let journal: Journal
        /// Set for the component whose cancellation time a test reads.
        var stampsCancellation: (@Sendable () -> Duration)?

        func run(context: ComponentContext) async throws {
            journal.add("start \(name)")
            if let condition { context.report(condition: condition) }
            context.started()
            switch stop {
            case .graceful:
                await context.waitForStop()
                journal.add("stop \(name)")
            case .onlyWhenCancelled:
                await context.waitForStop()
                journal.add("ignore stop \(name)")
                await AsyncEvent().wait()  // returns only when cancelled
                journal.add("cancelled \(name)")
                if let stampsCancellation { journal.add("at \(stampsCancellation().milliseconds)") }
            case .returnsEarly:
                journal.add("return \(name)")
            }
        }
    }

    final class RecordingNotifier: ServiceNotifier {
        let sent = Mutex<[String]>([])
        func notify(_ assignments: [String]) { sent.withLock { $0 += assignments } }
        var watchdogPeriod: Duration? { nil }
        var all: [String] { sent.withLock { $0 } }
    }

    /// Runs a supervisor over `components` until it returns, sending SIGTERM once READY=1 (or a
    /// failure) is out; after that the manual clock moves only while somebody sleeps on it.
    func run(_ components: [any Component], shutdown: Double = 4, clock: ManualClock = ManualClock()) async throws -> (Int32, RecordingNotifier, Duration) {
        let time = TimeSource(clock: clock)
        let logger = Logger(label: "test")
        let registry = TaskRegistry(clock: clock, logger: logger)
        let environment = ProcessEnvironment(variables: [:], hostName: "h", userName: "u", userID: 1, homeDirectory: "/tmp")
        let loader = ConfigurationLoader(environment: environment, explicitPath: nil)
        let configuration = try loader.parse("timeouts: {shutdown: \(shutdown)}\n", source: "test.yml")
        let notifier = RecordingNotifier()
        let supervisor = Supervisor(settings: LiveConfiguration(configuration), origin: .builtInDefaults, loader: loader,
                                    components: components, registry: registry, notifier: notifier,
                                    logLevel: LogLevelControl(.info), logger: logger, time: time)
        let code = await withTaskGroup(of: Int32?.self) { group in
            group.addTask { await registry.run(); return nil }
            group.addTask { await supervisor.run() }
            group.addTask {
                let settled = { notifier.all.contains(ServiceNotification.ready) || notifier.all.contains(where: { $0.hasPrefix("STATUS=failed") }) }
                // Bounded: the suite's time limit ends a start that never settles.
                while !settled() { await Task.yield() }
                await supervisor.stopSignal("SIGTERM")
                // Bounded: at most 2,000 steps of 10 ms of manual time, each only while something sleeps.
                var steps = 0
                while steps < 2_000, !notifier.all.contains(where: { $0.hasPrefix("STATUS=stopping: draining") }) {
                    await Task.yield()
                    if clock.sleeperCount > 0 {
                        clock.advance(by: .milliseconds(10))
                        steps += 1
                    }
                }
                return nil
            }
            var code: Int32 = -1
            for await result in group { if let result { code = result } }
            return code
        }
        return (code, notifier, time.now)
    }

    @Test func startsInOrderAndStopsInReverse() async throws {
        let journal = Journal()
        let components = ["store", "sessions", "api"].map { FakeComponent(name: $0, stop: .graceful, journal: journal) }
        let (code, notifier, _) = try await run(components)
        #expect(code == 0)
        #expect(journal.all == ["start store", "start sessions", "start api", "stop api", "stop sessions", "stop store"])
        let statuses = notifier.all.filter { $0.hasPrefix("STATUS=stopping: ") }
        #expect(statuses.contains("STATUS=stopping: api") && statuses.contains("STATUS=stopping: store"))
    }

    @Test func aComponentThatIgnoresItsStopIsCancelledAtTheEndOfItsShareAndTheRestStillStop() async throws {
        let journal = Journal()
        let clock = ManualClock()
        var stubborn = FakeComponent(name: "stubborn", stop: .onlyWhenCancelled, journal: journal)
        let origin = clock.now
        stubborn.stampsCancellation = { origin.duration(to: clock.now) }
        let components = [FakeComponent(name: "store", stop: .graceful, journal: journal), stubborn]
        let (code, _, _) = try await run(components, shutdown: 4, clock: clock)
        #expect(code == 1, "cancelled at the end of its share: its clean-up may be incomplete")
        let lines = journal.all.filter { !$0.hasPrefix("at ") }
        #expect(lines == ["start store", "start stubborn", "ignore stop stubborn", "cancelled stubborn", "stop store"])
        // Its share: (4 s - 1 s kept for the registry) / 2 components; the test's clock moves in 10 ms steps.
        let at = journal.all.first { $0.hasPrefix("at ") }.flatMap { Int64($0.dropFirst(3)) } ?? -1
        #expect(at >= 1_500 && at < 1_800, "cancelled at \(at) ms")
    }

    @Test func aComponentThatReturnsEarlyFailsTheDaemon() async throws {
        let journal = Journal()
        let components = [
            FakeComponent(name: "store", stop: .graceful, journal: journal),
            FakeComponent(name: "quitter", stop: .returnsEarly, journal: journal),
        ]
        let (code, notifier, _) = try await run(components)
        #expect(code == 1)
        #expect(journal.all.last == "stop store")
        #expect(notifier.all.contains { $0.hasPrefix("STATUS=failed: component quitter failed") }, "\(notifier.all)")
    }

    @Test func aComponentsConditionIsPartOfTheReadyStatus() async throws {
        let journal = Journal()
        var degraded = FakeComponent(name: "redis", stop: .graceful, journal: journal)
        degraded.condition = "Redis unreachable, retrying: refused"
        let (code, notifier, _) = try await run([FakeComponent(name: "store", stop: .graceful, journal: journal), degraded])
        #expect(code == 0)
        #expect(notifier.all.contains("STATUS=ready: 0 sessions, redis disabled; Redis unreachable, retrying: refused"), "\(notifier.all)")
    }
}
