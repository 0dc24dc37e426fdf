import Foundation
import TetherCore
import TetherRedis
import Testing

@Suite(.serialized, .timeLimit(.minutes(3))) struct RequestStreamTests {
    let computer = "tether1"

    /// Waits until the reader has resolved its start (the cursor exists), so later entries are new.
    private func started(_ reader: RequestStreamReader) async -> Bool {
        await eventually { reader.counts.cursor != nil }
    }

    @Test func everyCommandIsAnsweredInTheDocumentedShape() async throws {
        let server = try await RedisServer()
        defer { server.remove() }
        let peer = try PythonPeer(server)
        let commands = RecordingCommands(computer: computer)
        try await withRequestReader(server, settings: InMemorySettingsStore(), commands: commands) { reader in
            #expect(await started(reader))
            let list = try await peer.send("/list_sessions", to: computer)
            let sessions = try #require(try await peer.reply(list))
            #expect(sessions["status"] as? String == "success")
            let summaries = try #require(sessions["data"] as? [[String: Any]])
            #expect(summaries.first?["session_id"] as? String == "s1" && summaries.first?["computer"] as? String == computer)

            let fields = try #require(try await peer.replyFields(list))
            #expect(fields["from_computer"] == computer && fields["message_id"] == list && fields["timestamp"] != nil)
            // EXPIRE follows the XADD, so a fast reader may see the entry a moment before its TTL.
            let expires = try await eventually {
                let ttl = try await peer.link.send(["TTL", RedisKeys.reply(to: list)]).integer ?? -1
                return ttl > 0 && ttl <= 3600
            }
            #expect(expires)
            #expect(try await peer.link.send(["XLEN", RedisKeys.reply(to: list)]) == .integer(1))

            let projects = try #require(try await peer.reply(try await peer.send("/list_projects", to: computer))?["data"] as? [[String: Any]])
            #expect(projects.first?["name"] as? String == "tether" && projects.first?["desc"] as? String == "Tether folder")
            #expect(projects.first?["path"] as? String == "/srv/tether")
            let todos = try await peer.reply(try await peer.send("/list_todos '/srv/tether'", to: computer))
            #expect((todos?["data"] as? [Any])?.isEmpty == true)

            let info = try #require(try await peer.reply(try await peer.send("/get_computer_info", to: computer))?["data"] as? [String: Any])
            #expect(info["user"] as? String == "maurice" && info["role"] as? String == "development")
            #expect(info["host"] is NSNull && info["system_stats"] is [String: Any])

            let created = try await peer.reply(try await peer.send("/new_session 'My task'", to: computer, [
                ("project_dir", "/srv/tether"), ("channel_metadata", #"{"initiator_session_id": "caller-1", "subfolder": "sub"}"#),
            ]))
            let createdData = try #require(created?["data"] as? [String: Any])
            #expect(createdData["session_id"] as? String == "new-0" && createdData["tmux_session_name"] as? String == "tc_new-0")
            let request = try #require(commands.created.first)
            #expect(request.title == "My task" && request.origin == "redis" && request.initiatorSessionID == "caller-1")
            #expect(request.workingDirectory == "/srv/tether/sub")

            let data = try #require(try await peer.reply(try await peer.send("/get_session_data '' '' 0", to: computer, [("session_id", "s1")]))?["data"] as? [String: Any])
            #expect(data["status"] as? String == "success" && data["session_id"] as? String == "s1" && data["messages"] as? String == "hello transcript")
            #expect(data["project_dir"] as? String == "/tmp/s1" && data["created_at"] is String && data["last_activity"] is String)
            let missing = try #require(try await peer.reply(try await peer.send("/get_session_data 10", to: computer, [("session_id", "nope")]))?["data"] as? [String: Any])
            #expect(missing["status"] as? String == "error" && missing["error"] is String)

            let message = try await peer.reply(try await peer.send("/message 'two  spaces\nand a line'", to: computer, [("session_id", "s1")]))
            #expect(message?["status"] as? String == "success" && message?["data"] is NSNull)
            #expect(commands.messages.last?.text == "two  spaces\nand a line")

            for key in ["/cancel2x", "/ctrl d", "/key_up 3", "/escape 'yes'", "/enter"] {
                let reply = try await peer.reply(try await peer.send(key, to: computer, [("session_id", "s1")]))
                #expect(reply?["status"] as? String == "success", "\(key)")
            }
            #expect(commands.keys.map { "\($0.key)x\($0.count)" } == ["cancelx2", "ctrl_dx1", "key_upx3", "escapex1", "enterx1"])
            #expect(commands.messages.last?.text == "yes")

            for notice in ["/stop_notification s9 other \(Data("Done".utf8).base64EncodedString())",
                           "/input_notification s9 other \(Data("Need input".utf8).base64EncodedString())"] {
                let reply = try await peer.reply(try await peer.send(notice, to: computer))
                #expect(reply?["status"] as? String == "success" && reply?["data"] is NSNull, "\(notice)")
            }
            let stopped = try #require(try await peer.reply(try await peer.send("/stop_notifications s1 caller-1", to: computer))?["data"] as? [String: Any])
            #expect(stopped["status"] as? String == "success" && stopped["message"] is String)

            let cd = try await peer.reply(try await peer.send("/cd /tmp", to: computer, [("session_id", "s1")]))
            #expect(cd?["status"] as? String == "error" && (cd?["error"] as? String)?.contains("not supported") == true)
            let unknown = try await peer.reply(try await peer.send("/exit", to: computer))
            #expect(unknown?["code"] as? String == "NO_HANDLER")
            let noSession = try await peer.reply(try await peer.send("/message hi", to: computer))
            #expect(noSession?["status"] as? String == "error")
            let failing = try await peer.reply(try await peer.send("/message hi", to: computer, [("session_id", "ghost")]))
            #expect(failing?["status"] as? String == "error" && (failing?["error"] as? String)?.isEmpty == false)

            let ended = try #require(try await peer.reply(try await peer.send("/end_session s1", to: computer))?["data"] as? [String: Any])
            #expect(ended["status"] as? String == "success" && ended["message"] is String && commands.ended == ["s1"])
        }
        await peer.link.close()
    }

    @Test func theCursorIsSavedAndANewReaderResumesAfterIt() async throws {
        let server = try await RedisServer()
        defer { server.remove() }
        let peer = try PythonPeer(server)
        let settings = InMemorySettingsStore()
        let commands = RecordingCommands(computer: computer)
        var last = ""
        try await withRequestReader(server, settings: settings, commands: commands) { reader in
            #expect(await started(reader))
            for index in 0..<3 { last = try await peer.send("/message 'm\(index)'", to: computer, [("session_id", "s1")]) }
            #expect(await eventually { commands.messages.count == 3 })
        }
        #expect(try await settings.value(forKey: RedisKeys.cursorSetting(computer)) == last)
        for index in 3..<5 { try await peer.send("/message 'm\(index)'", to: computer, [("session_id", "s1")]) }
        try await withRequestReader(server, settings: settings, commands: commands) { _ in
            #expect(await eventually { commands.messages.count == 5 })
        }
        #expect(commands.messages.map(\.text) == (0..<5).map { "m\($0)" })
        await peer.link.close()
    }

    @Test func theFirstStartReadsOnlyEntriesAfterTheResolvedEnd() async throws {
        let server = try await RedisServer()
        defer { server.remove() }
        let peer = try PythonPeer(server)
        for index in 0..<3 { try await peer.send("/message 'old\(index)'", to: computer, [("session_id", "s1")]) }
        // An entry that lands right after `$` is resolved, before the first XREAD: the store's save hook writes it.
        let settings = HookedSettingsStore { try await peer.send("/message 'between'", to: "tether1", [("session_id", "s1")]) }
        let commands = RecordingCommands(computer: computer)
        try await withRequestReader(server, settings: settings, commands: commands) { reader in
            #expect(await started(reader))
            try await peer.send("/message 'after'", to: computer, [("session_id", "s1")])
            #expect(await eventually { commands.messages.count == 2 })
        }
        #expect(commands.messages.map(\.text) == ["between", "after"])
        await peer.link.close()
    }

    @Test func aRedisRestartMidStreamNeitherReplaysNorLoses() async throws {
        let server = try await RedisServer(appendonly: true)
        defer { server.remove() }
        let peer = try PythonPeer(server)
        let commands = RecordingCommands(computer: computer)
        let total = 40
        try await withRequestReader(server, settings: InMemorySettingsStore(), commands: commands) { reader in
            #expect(await started(reader))
            for index in 0..<(total / 2) { try await peer.send("/message 'n\(index)'", to: computer, [("session_id", "s1")]) }
            await server.kill()
            try await server.start()
            for index in (total / 2)..<total {
                // The peer's own link reconnects on its backoff; retry each entry until it lands (bounded).
                let sent = await eventually(timeout: .seconds(20)) {
                    (try? await peer.send("/message 'n\(index)'", to: computer, [("session_id", "s1")])) != nil
                }
                #expect(sent)
            }
            #expect(await eventually(timeout: .seconds(30)) { commands.messages.count >= total })
        }
        #expect(commands.messages.map(\.text) == (0..<total).map { "n\($0)" })
        await peer.link.close()
    }

    @Test func aSlowSessionDelaysNoOtherAndKeepsItsOwnOrder() async throws {
        let server = try await RedisServer()
        defer { server.remove() }
        let peer = try PythonPeer(server)
        let commands = RecordingCommands(computer: computer, sessions: ["a", "b"])
        let gate = commands.gate("a")
        try await withRequestReader(server, settings: InMemorySettingsStore(), commands: commands) { reader in
            #expect(await started(reader))
            for index in 0..<3 { try await peer.send("/message 'a\(index)'", to: computer, [("session_id", "a")]) }
            for index in 0..<3 { try await peer.send("/message 'b\(index)'", to: computer, [("session_id", "b")]) }
            #expect(await eventually { commands.messages.filter { $0.session == "b" }.count == 3 })
            #expect(commands.messages.allSatisfy { $0.session == "b" })
            gate.fire()
            #expect(await eventually { commands.messages.count == 6 })
        }
        #expect(commands.messages.filter { $0.session == "a" }.map(\.text) == ["a0", "a1", "a2"])
        #expect(commands.messages.filter { $0.session == "b" }.map(\.text) == ["b0", "b1", "b2"])
        await peer.link.close()
    }

    @Test func stopWhileABlockingReadIsPendingReturnsAtOnce() async throws {
        let server = try await RedisServer()
        defer { server.remove() }
        let peer = try PythonPeer(server)
        let clock = ContinuousClock()
        var stoppedAt: ContinuousClock.Instant?
        try await withRequestReader(server, settings: InMemorySettingsStore(), commands: RecordingCommands(computer: computer),
                                    block: .seconds(30)) { reader in
            #expect(await started(reader))
            let blocked = try await eventually { (try await peer.link.send(["INFO", "clients"]).string ?? "").contains("blocked_clients:1") }
            #expect(blocked)
            stoppedAt = clock.now
        }
        // The helper fired stop and drained the registry; the reader's run() has returned by now.
        let elapsed = clock.now - (stoppedAt ?? clock.now)
        #expect(elapsed < promptly, "stop took \(elapsed)")
        await peer.link.close()
    }
}
