import Foundation
import Synchronization
import Testing
import TetherCore
import TetherDaemon
import TetherStore
import TetherTerminal
#if canImport(Glibc)
import Glibc
#endif

/// Sessions end to end through the command layer: real tmux on a private socket, a real SQLite file.
@Suite(.serialized, .timeLimit(.minutes(5))) struct SessionLifecycleTests {
    @Test func createTypeCaptureAndCloseAShellSession() async throws {
        let world = SessionWorld()
        defer { world.remove() }
        try await withSessions(world) { sessions in
            let created = try await sessions.commands.newSession(.init(workingDirectory: world.home, title: "first"))
            let id = created.id
            #expect(created.status == .active)
            #expect(created.record.tmuxSessionName == "tc_" + id.prefix(8))
            #expect(created.record.title == "home: $testhost - first")
            let temp = world.home + "/.teleclaude/tmp/sessions/" + id
            let attributes = try FileManager.default.attributesOfItem(atPath: temp)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o700)
            #expect(try String(contentsOfFile: temp + "/teleclaude_session_id", encoding: .utf8) == id)

            try await sessions.commands.sendMessage(sessionID: id, text: "echo answer-$((6*7)) $TELECLAUDE_SESSION_ID $TMPDIR", adapter: "rest")
            #expect(await eventually {
                (try? await sessions.commands.sessionOutput(sessionID: id).messages)?.contains("answer-42 \(id) \(temp)") == true
            })
            let listed = await sessions.commands.listSessions()
            #expect(listed.map(\.id) == [id])
            #expect(listed.first?.record.lastMessageSent?.hasPrefix("echo answer") == true)

            let closed = try await sessions.commands.endSession(sessionID: id)
            #expect(closed.status == .closed && closed.record.closedAt != nil)
            #expect(closed.record.finalScreen?.contains("answer-42") == true)
            #expect(try await !sessions.runtime.bridge.exists(created.record.tmuxSessionName))
            #expect(!FileManager.default.fileExists(atPath: temp))
            #expect(await sessions.commands.listSessions().isEmpty)
            #expect(!sessions.poller.isPolling(id))
            #expect(try await sessions.commands.endSession(sessionID: id).status == .closed, "closing twice is fine")
            await #expect(throws: TetherError(.invalidRequest, "")) {
                try await sessions.commands.sendMessage(sessionID: id, text: "too late", adapter: "rest")
            }
            let row = try #require(try await sessions.runtime.store.session(id: id))
            #expect(row.status == .closed && row.finalScreen?.contains("answer-42") == true)
        }
    }

    @Test func anOutputEventComesOnlyWhenTheScreenChanged() async throws {
        let world = SessionWorld()
        defer { world.remove() }
        try await withSessions(world) { sessions in
            let screens = Mutex<[String]>([])
            sessions.runtime.bus.subscribe("test") { event in
                if case .outputChanged(_, let screen) = event { screens.withLock { $0.append(screen) } }
            }
            let session = try await sessions.commands.newSession(.init(workingDirectory: world.home))
            #expect(await eventually { screens.withLock { $0.contains { !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty } } })
            // The prompt has settled once three polls in a row bring no event.
            var mark = (screens: screens.withLock { $0.count }, polls: sessions.poller.pollCount)
            #expect(await eventually {
                let now = screens.withLock { $0.count }
                if now != mark.screens { mark = (now, sessions.poller.pollCount) }
                return sessions.poller.pollCount >= mark.polls + 3
            })
            // Then watch the quiet screen: polls continue (0.1 to 0.5 s) but bring no event.
            let settled = screens.withLock { $0.count }
            let pollsBefore = sessions.poller.pollCount
            #expect(await eventually { sessions.poller.pollCount >= pollsBefore + 3 }, "it kept polling")
            #expect(screens.withLock { $0.count } == settled, "no event for an unchanged screen")
            try await sessions.commands.sendMessage(sessionID: session.id, text: "echo changed-now", adapter: "rest")
            #expect(await eventually { screens.withLock { $0.last?.contains("changed-now") == true } })
        }
    }

    @Test func aSessionWhoseProcessExitsIsEndedWithItsFinalScreen() async throws {
        let world = SessionWorld()
        defer { world.remove() }
        try await withSessions(world) { sessions in
            let exits = Mutex<[(String, Int?)]>([])
            sessions.runtime.bus.subscribe("exits") { event in
                if case .processExited(let id, let screen, let status) = event { exits.withLock { $0.append((id + screen, status)) } }
            }
            let session = try await sessions.commands.newSession(.init(workingDirectory: world.home))
            try await sessions.commands.sendMessage(sessionID: session.id, text: "echo last-words; exit 7", adapter: "rest")
            #expect(await eventually { (try? await sessions.manager.session(session.id))?.status == .exited })
            let ended = try await sessions.manager.session(session.id)
            #expect(ended.record.finalScreen?.contains("last-words") == true)
            #expect(ended.record.exitStatus == 7)
            // Subscribers get events from a queue of their own: the handler may run after the status shows.
            #expect(await eventually { exits.withLock { $0.first?.1 } == 7 })
            #expect(exits.withLock { $0.first?.0.contains("last-words") } == true)
            #expect(await eventually { (try? await sessions.runtime.bridge.exists(session.record.tmuxSessionName)) == false })
            #expect(await sessions.commands.listSessions().isEmpty)
            #expect(try await sessions.commands.sessionOutput(sessionID: session.id).messages.contains("last-words"))
        }
    }

    @Test func anExitJustBeforeTheStopIsRecordedByThePollersLastLook() async throws {
        let world = SessionWorld()
        defer { world.remove() }
        // Polls 30 s apart: after its first look, only the poller's last look at the stop can see the exit.
        let configuration = world.configuration {
            $0.polling.minInterval = 30
            $0.polling.interval = 30
            $0.polling.maxInterval = 30
        }
        try await withSessions(world, configuration: configuration) { sessions in
            let session = try await sessions.commands.newSession(.init(workingDirectory: world.home))
            let target = "=\(session.record.tmuxSessionName):"
            #expect(await eventually { sessions.poller.pollCount >= 1 })
            // Typed straight into tmux, so no input kicks the poller into an early look.
            try await world.tmux(["send-keys", "-t", target, "echo last-look; exit 3", "Enter"])
            #expect(await eventually {
                (try? await world.tmux(["display-message", "-p", "-t", target, "#{pane_dead}"]))?.stdoutText.hasPrefix("1") == true
            })
            #expect(try await sessions.manager.session(session.id).status.isLive, "the exit is not seen before the stop")
            await sessions.runtime.finishPolling()
            let row = try #require(try await sessions.runtime.store.session(id: session.id))
            #expect(row.status == .exited && row.exitStatus == 3, "\(row.status) \(row.exitStatus.map(String.init) ?? "nil")")
            #expect(row.finalScreen?.contains("last-look") == true)
            #expect(await sessions.commands.listSessions().isEmpty)
        }
    }

    @Test func sessionsOutliveARestartAndAreAdoptedWhileVanishedOnesAreMarkedExited() async throws {
        let world = SessionWorld()
        defer { world.remove() }
        var kept = ""
        var lost = ""
        try await withSessions(world) { sessions in
            kept = try await sessions.commands.newSession(.init(workingDirectory: world.home, title: "kept")).id
            lost = try await sessions.commands.newSession(.init(workingDirectory: world.home, title: "lost")).id
        }
        // The daemon is down: its sessions are not. One vanishes meanwhile; a foreign tc_ session appears.
        #expect(try await world.tmux(["has-session", "-t", "=tc_" + kept.prefix(8)]).status == 0)
        try await world.tmux(["kill-session", "-t", "=tc_" + lost.prefix(8)])
        try await world.tmux(["new-session", "-d", "-s", "tc_tui"])

        try await withSessions(world) { sessions in
            let listed = await sessions.commands.listSessions()
            #expect(listed.map(\.id) == [kept])
            #expect(sessions.poller.isPolling(kept))
            #expect(try await sessions.manager.session(lost).status == .exited)
            try await sessions.commands.sendMessage(sessionID: kept, text: "echo still-here", adapter: "rest")
            #expect(await eventually { (try? await sessions.commands.sessionOutput(sessionID: kept).messages)?.contains("still-here") == true })
            #expect(try await world.tmux(["has-session", "-t", "=tc_tui"]).status == 0, "a session it did not create is left alone")
        }
    }

    @Test func whenTheTmuxServerDiesSessionsAreExitedAndNewOnesStillWork() async throws {
        let world = SessionWorld()
        defer { world.remove() }
        try await withSessions(world) { sessions in
            let doomed = try await sessions.commands.newSession(.init(workingDirectory: world.home))
            try await world.tmux(["kill-server"])
            #expect(await eventually { (try? await sessions.manager.session(doomed.id))?.status == .exited })
            let fresh = try await sessions.commands.newSession(.init(workingDirectory: world.home))
            #expect(try await sessions.runtime.bridge.exists(fresh.record.tmuxSessionName))
            #expect(await eventually { sessions.runtime.bridge.usesControlClient })
            #expect(await sessions.commands.listSessions().map(\.id) == [fresh.id])
        }
    }

    @Test func badRequestsGetClearErrorsAndCreateNothing() async throws {
        let world = SessionWorld()
        defer { world.remove() }
        try await withSessions(world) { sessions in
            let commands = sessions.commands
            for action in ["message", "keys", "close", "output"] {
                do {
                    switch action {
                    case "message": try await commands.sendMessage(sessionID: "0badc0de", text: "hi", adapter: "rest")
                    case "keys": try await commands.sendKeys(sessionID: "0badc0de", key: "escape")
                    case "close": try await commands.endSession(sessionID: "0badc0de")
                    default: _ = try await commands.sessionOutput(sessionID: "0badc0de")
                    }
                    Issue.record("\(action) on an unknown session succeeded")
                } catch let error as TetherError {
                    #expect(error.code == .notFound && error.message.contains("0badc0de"), "\(action): \(error)")
                }
            }
            for (directory, words) in [(world.home + "/nope", "does not exist"), ("/etc", "not allowed"), ("relative/dir", "not an absolute path")] {
                do {
                    _ = try await commands.newSession(.init(workingDirectory: directory))
                    Issue.record("created a session in \(directory)")
                } catch let error as TetherError {
                    #expect(error.code == .invalidRequest && error.message.contains(words), "\(error)")
                }
            }
            await #expect(throws: TetherError(.invalidRequest, "")) { try await commands.newSession(.init(workingDirectory: world.home, agent: "nobody")) }
            #expect(try await sessions.runtime.store.sessions().isEmpty, "no row for a refused request")
            #expect(try await sessions.runtime.bridge.listSessions().isEmpty, "no tmux session either")

            let session = try await commands.newSession(.init(workingDirectory: world.home))
            await #expect(throws: TetherError(.invalidRequest, "")) { try await commands.sendKeys(sessionID: session.id, key: "hyperspace") }
            await #expect(throws: TetherError(.invalidRequest, "")) { try await commands.sendMessage(sessionID: session.id, text: "", adapter: "rest") }
            await #expect(throws: TetherError(.invalidRequest, "")) { try await commands.sendMessage(sessionID: session.id, text: "nul\u{0}byte", adapter: "rest") }
            try await commands.sendKeys(sessionID: session.id, key: "key_up", count: 3)
        }
    }

    @Test func computerInfoAndProjectsHaveTheWireShape() async throws {
        let world = SessionWorld()
        defer { world.remove() }
        let configuration = world.configuration {
            $0.computer.trustedDirs = [.init(name: "app", desc: "My app", path: "/src/app")]
        }
        try await withSessions(world, configuration: configuration) { sessions in
            let (info, stats) = await sessions.commands.computerInfo()
            #expect(info.user == configuration.computer.user && info.host == "testhost")
            #expect(stats.memoryTotalGB > 0 && stats.diskTotalGB > 0)
            #expect(stats.cpuPercentUsed != nil, "a CPU figure from the delta since the reader was made")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(CommandLayer.json(computer: info, stats: stats))) as? [String: Any])
            let system = try #require(json["system_stats"] as? [String: Any])
            #expect((system["memory"] as? [String: Any])?["percent_used"] is Double)
            #expect((system["cpu"] as? [String: Any])?.keys.contains("percent_used") == true)
            let projects = try #require(try JSONSerialization.jsonObject(with: Data(CommandLayer.json(projects: sessions.commands.listProjects()))) as? [[String: String]])
            #expect(projects == [["name": "app", "desc": "My app", "path": "/src/app"]])
        }
    }
}
