import Foundation
import Logging
import Testing
import TetherCore
import TetherDaemon
import TetherTerminal
#if canImport(Glibc)
import Glibc
#endif

/// The terminal bridge against real tmux on a private socket, and against a fake tmux that hangs.
@Suite(.serialized, .timeLimit(.minutes(5))) struct TerminalBridgeTests {
    let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    func bridge(_ world: SessionWorld, binary: String = "tmux", quick: Duration = .seconds(5)) -> TerminalBridge {
        let environment = TerminalSettings.sessionEnvironment(from: world.environment.variables)
        let socket = world.socket
        return TerminalBridge(settings: {
            TerminalSettings(binary: binary, socket: socket, quickTimeout: quick, timeout: quick, longTimeout: quick * 2,
                             historyLines: 100, environment: environment)
        }, time: .continuous, logger: logger)
    }

    /// Runs `body` while the bridge keeps its control client attached.
    func withAttached(_ bridge: TerminalBridge, _ body: () async throws -> Void) async throws {
        try await withThrowingDiscardingTaskGroup { group in
            let attached = AsyncEvent()
            group.addTask { await bridge.run(until: AsyncEvent()) { attached.fire() } }
            await attached.wait()
            try await body()
            group.cancelAll()
        }
    }

    @Test func createTypeCaptureAndKillASession() async throws {
        let world = SessionWorld()
        defer { world.remove() }
        let bridge = bridge(world)
        try await withAttached(bridge) {
            #expect(bridge.usesControlClient)
            let pane = try await bridge.createSession(name: "tc_bridge01", directory: world.home, environment: ["TELECLAUDE_SESSION_ID": "bridge01-id"], command: nil)
            #expect(!pane.dead && pane.pid != nil)
            #expect(try await bridge.exists("tc_bridge01"))
            #expect(try await !bridge.exists("tc_bridge0"), "names match exactly, not by prefix")
            try await bridge.sendText("echo made-$((6*7)) $TELECLAUDE_SESSION_ID", to: "tc_bridge01")
            #expect(await eventually { (try? await bridge.capture("tc_bridge01"))?.contains("made-42 bridge01-id") == true })
            try await bridge.sendKey(.control("c"), to: "tc_bridge01")
            let state = try #require(try await bridge.paneState("tc_bridge01"))
            #expect(state.currentPath == world.home || state.currentPath.hasSuffix("/home"))
            #expect(try await bridge.listSessions() == ["tc_bridge01"], "the holder session is not listed")
            try await bridge.kill("tc_bridge01")
            try await bridge.kill("tc_bridge01")  // already gone: not an error
            #expect(try await !bridge.exists("tc_bridge01"))
            #expect(try await bridge.paneState("tc_bridge01") == nil)
            await #expect(throws: TetherError(.notFound, "")) { try await bridge.capture("tc_bridge01") }
        }
    }

    @Test func textWithQuotesSeparatorsSubstitutionsNewlinesAndControlCharactersArrivesLiterally() async throws {
        let world = SessionWorld()
        defer { world.remove() }
        let bridge = bridge(world)
        let text = "it's \"quoted\"; echo $(whoami) `id` ${HOME} \\ ~ #not-a-comment {x} %end 1 2 1\nsecond line\ttab \u{1}\u{3}\u{1B}[A é 🙂"
        let byteCount = text.utf8.count
        let out = world.dir.file("received.bin")
        try await withAttached(bridge) {
            _ = try await bridge.createSession(name: "tc_literal1", directory: world.home, environment: [:],
                                               command: "stty raw -echo; touch \(out).ready; head -c \(byteCount) > \(out); sleep 60")
            // stty must have run before the text arrives.
            #expect(await eventually { FileManager.default.fileExists(atPath: out + ".ready") })
            try await bridge.sendText(text, to: "tc_literal1", enter: false)
            #expect(await eventually { ((try? Data(contentsOf: URL(fileURLWithPath: out)))?.count ?? 0) >= byteCount })
            let received = try Data(contentsOf: URL(fileURLWithPath: out))
            #expect(received == Data(text.utf8), "\(String(decoding: received, as: UTF8.self).debugDescription)")
        }
    }

    @Test func pollingThroughTheControlClientStartsNoProcess() async throws {
        let world = SessionWorld()
        defer { world.remove() }
        let bridge = bridge(world)
        try await withAttached(bridge) {
            _ = try await bridge.createSession(name: "tc_polled01", directory: world.home, environment: [:], command: nil)
            let before = ProcessRunner.spawnCount
            for _ in 0..<100 {
                let snapshot = try #require(try await bridge.poll("tc_polled01"))
                #expect(!snapshot.pane.dead)
            }
            #expect(ProcessRunner.spawnCount == before)
            #expect(try await bridge.poll("tc_absent01") == nil)
        }
    }

    @Test func aDeadControlClientIsRestartedAndOneShotsServeMeanwhile() async throws {
        let world = SessionWorld()
        defer { world.remove() }
        let bridge = bridge(world)
        try await withAttached(bridge) {
            _ = try await bridge.createSession(name: "tc_restart1", directory: world.home, environment: [:], command: nil)
            let clients = controlClients(socket: world.socket)
            #expect(clients.count == 1)
            for pid in clients { kill(pid, SIGKILL) }
            #expect(await eventually { !bridge.usesControlClient })
            #expect(try await bridge.exists("tc_restart1"), "answered by a one-shot tmux")
            #expect(await eventually { bridge.usesControlClient && bridge.controlClientRestarts == 1 })
            #expect(try await bridge.poll("tc_restart1") != nil)
        }
    }

    @Test func aControlClientThatStopsAnsweringTimesOutIsReplacedAndPollingRecovers() async throws {
        let world = SessionWorld()
        defer { world.remove() }
        let bridge = bridge(world, quick: .milliseconds(500))
        try await withAttached(bridge) {
            _ = try await bridge.createSession(name: "tc_frozen01", directory: world.home, environment: [:], command: nil)
            let server = try #require(pid_t(try await world.tmux(["display-message", "-p", "#{pid}"]).stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)))
            kill(server, SIGSTOP)  // a tmux server that hangs
            let started = ContinuousClock.now
            do {
                _ = try await bridge.poll("tc_frozen01")
                Issue.record("a frozen tmux server answered")
            } catch let error as TetherError {
                #expect(error.code == .timeout && error.message.contains("capture-pane"), "\(error)")
            }
            #expect(started.duration(to: .now) < .seconds(3), "bounded by the quick deadline")
            kill(server, SIGCONT)
            #expect(await eventually { bridge.usesControlClient && bridge.controlClientRestarts >= 1 })
            #expect(try await bridge.poll("tc_frozen01") != nil, "polling works again")
        }
    }

    @Test func aHangingTmuxTimesOutWithinItsBoundLeavingNoZombieAndNoDescriptor() async throws {
        let world = SessionWorld()
        defer { world.remove() }
        let fake = world.dir.file("hanging-tmux")
        let childPids = world.dir.file("child.pid")
        try world.dir.write("hanging-tmux", "#!/bin/sh\nsleep 300 &\necho $! >> \(childPids)\nwait\n")
        chmod(fake, 0o755)
        // Through the configuration, as an operator would point the daemon at another tmux.
        let settings = LiveConfiguration(world.configuration {
            $0.computer.tmuxBinary = fake
            $0.timeouts.subprocessQuick = 0.5
        })
        let runtime = try await SessionRuntime.open(settings: settings, environment: world.environment,
                                                    registry: TaskRegistry(logger: logger), time: .continuous, logger: logger)
        let bridge = runtime.bridge
        let descriptorsBefore = openDescriptors()
        let zombiesBefore = Set(zombieChildren())
        let started = ContinuousClock.now
        do {
            _ = try await bridge.exists("tc_whatever")
            Issue.record("a hanging tmux answered")
        } catch let error as TetherError {
            #expect(error.code == .timeout)
            #expect(error.message.contains(fake) && error.message.contains("has-session") && error.message.contains("pid "))
        }
        let waited = started.duration(to: .now)
        #expect(waited >= .milliseconds(500) && waited < .seconds(5), "\(waited)")
        #expect(Set(zombieChildren()).subtracting(zombiesBefore).isEmpty, "no new zombie")
        #expect(openDescriptors() == descriptorsBefore)
        await runtime.store.close()
        let grandchild = try #require(Int32(String(contentsOfFile: childPids, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(await eventually { !isRunning(grandchild) }, "the whole process group was killed")
    }

    @Test func aMissingTmuxBinaryIsAClearError() async throws {
        let world = SessionWorld()
        defer { world.remove() }
        let bridge = bridge(world, binary: world.dir.file("no-such-tmux"))
        await #expect(throws: TetherError(.terminal, "")) { try await bridge.listSessions() }
    }
}

/// Pids of `tmux -C` clients on `socket`.
func controlClients(socket: String) -> [pid_t] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap { entry -> pid_t? in
        guard let pid = pid_t(entry), let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else { return nil }
        let arguments = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        return arguments.contains("-C") && arguments.contains(socket) ? pid : nil
    }
}

/// Our own descriptors, by number.
func openDescriptors() -> Set<String> {
    Set((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? [])
}

/// Children of this process that have exited but not been reaped.
func zombieChildren() -> [pid_t] {
    let me = getpid()
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap { entry -> pid_t? in
        guard let pid = pid_t(entry), let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(close, offsetBy: 2)...].split(separator: " ")
        guard fields.count > 1, fields[0] == "Z", pid_t(fields[1]) == me else { return nil }
        return pid
    }
}

/// Whether `pid` exists and is not a zombie.
func isRunning(_ pid: pid_t) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { return false }
    return !stat[stat.index(close, offsetBy: 2)...].hasPrefix("Z")
}
