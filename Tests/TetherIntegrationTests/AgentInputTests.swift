import Foundation
import Testing
import TetherClient

/// Input that arrives exactly once, against the fixture fake agent in a daemon's session: queued
/// while it works or a dialog is open, pasted whole, submitted once, in order, with receipts.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct AgentInputTests {
    /// A daemon whose `claude` is the fake agent with `arguments`, one session running it, idle.
    func start(_ arguments: String = "", flavour: String = "claude", timeouts: String = "") async throws -> (daemon: APIDaemon, id: String, events: String) {
        let events = NSTemporaryDirectory() + "tether-input-\(UUID().uuidString).events"
        let command = "\(Binaries.fakeAgent) --flavour \(flavour) --work-ms 800 --events \(events) \(arguments)"
        let daemon = try await APIDaemon(configuration: "agents: {\(flavour): {command: \"\(command)\"}}", timeouts: timeouts)
        let created = try daemon.client.send("POST", "/sessions", json: ["computer": daemon.computer, "project_dir": daemon.project, "agent": flavour])
        guard let id = created.object["session_id"] as? String else { throw SandboxError("create: \(created.text)") }
        guard await eventually({ (try? daemon.client.get("/sessions/\(id)").object["agent_state"] as? String) == "idle" }) else {
            throw SandboxError("the fake agent never became idle: \(daemon.transcript(id))")
        }
        return (daemon, id, events)
    }

    func submits(_ events: String) -> [String] {
        let text = (try? String(contentsOfFile: events, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["submit"] as? String
        }
    }

    func send(_ daemon: APIDaemon, _ id: String, _ text: String) throws -> (inputID: String, state: String) {
        let response = try daemon.client.send("POST", "/sessions/\(id)/message", json: ["message": text])
        let result = response.object["result"] as? [String: Any] ?? [:]
        guard response.status == 200, let inputID = result["input_id"] as? String else { throw SandboxError("send: \(response.status) \(response.text)") }
        return (inputID, result["state"] as? String ?? "")
    }

    func receiptState(_ daemon: APIDaemon, _ inputID: String) -> String? {
        (try? daemon.client.get("/inputs/\(inputID)").object)?["state"] as? String
    }

    @Test func messagesSentWhileItWorksAreQueuedAndDeliveredOnceEachInOrder() async throws {
        let (daemon, id, events) = try await start()
        defer { daemon.remove() }
        let first = try send(daemon, id, "first message")
        #expect(await eventually { receiptState(daemon, first.inputID) == "delivered" })
        #expect(await eventually { (try? daemon.client.get("/sessions/\(id)").object["agent_state"] as? String) == "working" })
        let second = try send(daemon, id, "second message")
        let third = try send(daemon, id, "third message")
        #expect(second.state == "queued" && third.state == "queued", "sent while working: \(second) \(third)")
        #expect(await eventually(timeout: .seconds(30)) { receiptState(daemon, third.inputID) == "delivered" })
        #expect(submits(events) == ["first message", "second message", "third message"], "\(submits(events))")
    }

    @Test func aMessageWhileADialogIsOpenWaitsForTheAnswerAndIsNotTypedIntoIt() async throws {
        let (daemon, id, events) = try await start()
        defer { daemon.remove() }
        _ = try send(daemon, id, "EDIT test.txt")
        #expect(await eventually { (try? daemon.client.get("/sessions/\(id)").object["agent_state"] as? String) == "needs_input" })
        let waiting = try send(daemon, id, "after the dialog")
        #expect(waiting.state == "queued")
        #expect(receiptState(daemon, waiting.inputID) == "queued", "not typed while the dialog is open")
        #expect(try daemon.client.send("POST", "/sessions/\(id)/answer", json: ["choice": 1]).status == 200)
        #expect(await eventually(timeout: .seconds(30)) { receiptState(daemon, waiting.inputID) == "delivered" })
        #expect(submits(events) == ["EDIT test.txt", "after the dialog"], "\(submits(events))")
    }

    @Test func multiLineTextAndKeyNamesArriveByteForByteInOneSubmitDespiteASwallowedEnter() async throws {
        let (daemon, id, events) = try await start("--swallow-enter 1")
        defer { daemon.remove() }
        let text = "line one\nEnter C-c Escape\n  'quoted' \"double\" $HOME ; echo x\nlast"
        let sent = try send(daemon, id, text)
        #expect(await eventually(timeout: .seconds(30)) { receiptState(daemon, sent.inputID) == "delivered" })
        #expect(submits(events) == [text], "\(submits(events))")
    }

    func events(_ path: String) -> [[String: Any]] {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    /// Codex has no prompt-submit hook, and a turn this short shows no busy line: the draft leaving
    /// its input box is what confirms the submit, so one Enter is pressed, not three.
    @Test func aSubmitWithoutAHookOrABusyLineIsConfirmedByTheDraftLeavingTheBox() async throws {
        let (daemon, id, path) = try await start("--work-ms 0", flavour: "codex")
        defer { daemon.remove() }
        let sent = try send(daemon, id, "a quick question, please")
        #expect(await eventually(timeout: .seconds(30)) { receiptState(daemon, sent.inputID).map { $0 != "queued" } ?? false })
        #expect(receiptState(daemon, sent.inputID) == "delivered", "\(String(describing: try? daemon.client.get("/inputs/\(sent.inputID)").text))")
        #expect(submits(path) == ["a quick question, please"], "\(submits(path))")
        let ignored = events(path).compactMap { $0["enter_ignored"] as? String }
        #expect(ignored.isEmpty, "one Enter, taken: \(ignored)")
    }

    @Test func aTextWaitingLongerThanTheConfiguredWaitFailsWithTheReasonAndIsNeverTyped() async throws {
        let (daemon, id, path) = try await start("--work-ms 60000", timeouts: "agent_input_wait: 10")
        defer { daemon.remove() }
        let first = try send(daemon, id, "a long task")
        #expect(await eventually { receiptState(daemon, first.inputID) == "delivered" })
        let waiting = try send(daemon, id, "behind the long task")
        #expect(waiting.state == "queued")
        #expect(await eventually(timeout: .seconds(30)) { receiptState(daemon, waiting.inputID) == "failed" })
        let reason = (try? daemon.client.get("/inputs/\(waiting.inputID)").object["reason"] as? String) ?? nil
        #expect(reason?.contains("timeouts.agent_input_wait") == true, "\(reason ?? "no reason")")
        #expect(submits(path) == ["a long task"])
    }

    @Test func aPaneInCopyModeIsTakenOutOfItAndSendWaitReportsTheReceipt() async throws {
        let (daemon, id, events) = try await start()
        defer { daemon.remove() }
        let tmuxName = try #require(try daemon.client.get("/sessions/\(id)").object["tmux_session_name"] as? String)
        #expect(try await shell("TMUX_TMPDIR=\(daemon.dir.path) tmux -L api copy-mode -t '=\(tmuxName):'").status == 0)
        let client = Binaries.directory.appendingPathComponent("tether").path
        let waited = try await shell("\(client) send \(id) 'out of copy mode' --wait --timeout 30 --socket \(daemon.socket)")
        #expect(waited.status == 0, "\(waited.output)")
        #expect(submits(events) == ["out of copy mode"], "\(submits(events))")
        #expect(try daemon.client.get("/inputs/no-such-input").status == 404)
    }

    @Test func textsQueuedForAnAgentThatExitsMidTurnFailWithTheReasonAndAreNeverTyped() async throws {
        let (daemon, id, events) = try await start("--work-ms 60000")
        defer { daemon.remove() }
        let first = try send(daemon, id, "a long turn")
        #expect(await eventually { receiptState(daemon, first.inputID) == "delivered" })
        let second = try send(daemon, id, "never typed")
        #expect(second.state == "queued")
        // The agent dies mid-turn (an interrupt would end the turn and let the queue go on, rightly).
        let log = (try? String(contentsOfFile: events, encoding: .utf8)) ?? ""
        let start = log.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            .compactMap { $0["start"] as? [String: Any] }.first
        let pid = try #require(start?["pid"] as? Int, "\(log)")
        #expect(kill(pid_t(pid), SIGKILL) == 0)
        #expect(await eventually(timeout: .seconds(20)) { receiptState(daemon, second.inputID) == "failed" })
        let reason = (try daemon.client.get("/inputs/\(second.inputID)").object["reason"] as? String) ?? ""
        #expect(reason.contains("exited"), "\(reason)")
        #expect(submits(events) == ["a long turn"], "\(submits(events))")
        #expect(!daemon.transcript(id).contains("never typed"), "not typed into the shell either")
    }
}
