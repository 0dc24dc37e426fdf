import Foundation
import TetherCore
import Logging
import TetherRedis
import Testing

/// The requester's side of PROTOCOL.md §2 against real responders on a real `redis-server`.
@Suite(.serialized, .timeLimit(.minutes(3))) struct RequesterTests {
    static let nastyTexts = [
        "it's \"quoted\" 'twice' and a \\ backslash",
        "line one\nline two\n\nafter a blank line",
        "  repeated   spaces  and a tab\there ",
        "unicode: ünïcødé 日本語 🚀 e\u{301} \u{2028}",
        "$HOME `date` $(id) ; | & > < # not a comment",
        "'",
        "-n",
    ]

    @Test func aTetherResponderAnswersAndNastyTextArrivesByteForByte() async throws {
        let server = try await RedisServer()
        defer { server.remove() }
        let commands = RecordingCommands(computer: "tether1")
        try await withRequestReader(server, settings: InMemorySettingsStore(), commands: commands) { reader in
            #expect(await eventually { reader.counts.cursor != nil })
            try await withRequester(server) { requester in
                let listing = try await requester.request(.listSessions, to: "tether1", acceptsUnlabelled: false)
                #expect(listing.from == "tether1")
                #expect(listing.stamp != nil)
                guard case .success(.array(let sessions)) = listing.reply else { Issue.record("\(listing.reply)"); return }
                #expect(sessions.compactMap { $0["session_id"]?.stringValue } == ["s1"])

                for text in Self.nastyTexts {
                    let answer = try await requester.request(.message(text: text), to: "tether1", sessionID: "s1", acceptsUnlabelled: false)
                    #expect(answer.reply == .success(.null))
                }
                #expect(commands.messages.map(\.text) == Self.nastyTexts)
                let timings = requester.timings
                #expect(timings.count == Self.nastyTexts.count + 1)
                #expect(timings.failures.isEmpty)
                #expect(timings.buckets.last == timings.count)
                // Every reply stream read was deleted (§9 defect 2), by the reader just after it handed the reply over.
                let link = try PythonPeer(server).link
                #expect(await eventually { (try? await link.scanAll(match: "output:*", limit: 100).keys.isEmpty) ?? false })
            }
        }
    }

    @Test func aPythonResponderIsReadAsItWritesAndAForgedReplyIsIgnored() async throws {
        let server = try await RedisServer()
        defer { server.remove() }
        let python = try PythonResponder(server, name: "pyhost") { request in
            [PythonResponder.entry(PythonResponder.success("[\"forged\"]"), answering: "{id}", from: "mallory"),
             PythonResponder.entry(PythonResponder.success("[{\"name\": \"teleclaude\", \"desc\": \"TeleClaude folder\"}]"), answering: "{id}")]
        }
        try await withRequester(server, responders: [python]) { requester in
            let answer = try await requester.request(.listProjects, to: "pyhost")
            #expect(answer.from == nil)
            #expect(answer.reply == .success(.array([.object(["name": .string("teleclaude"), "desc": .string("TeleClaude folder")])])))
            #expect(requester.timings.impersonations == 1)
            let sent = try #require(python.requests.first)
            #expect(sent.command == "/list_projects")
            #expect(sent.initiator == "asker")
            #expect(sent.timestamp.flatMap(Double.init) != nil)

            // A Tether target always names itself: an unnamed entry is not its answer.
            await #expect(throws: RequestFailure(.timeout, "")) {
                try await requester.request(.listProjects, to: "pyhost", deadline: .milliseconds(300), acceptsUnlabelled: false)
            }
            #expect(requester.timings.failures["timeout"] == 1)
        }
    }

    @Test func aFanOutReturnsWithinItsDeadlineAndNamesTheSilentPeer() async throws {
        let server = try await RedisServer()
        defer { server.remove() }
        let answering = try ["p1", "p2"].map { name in
            try PythonResponder(server, name: name) { _ in [PythonResponder.entry(PythonResponder.success("[]"), answering: "{id}")] }
        }
        try await withRequester(server, responders: answering) { requester in
            let deadline = Duration.milliseconds(800)
            let start = ContinuousClock.now
            let result = await requester.fanOut(.listSessions, to: ["p1", "p2", "p3"], tetherPeers: [], deadline: deadline)
            let elapsed = ContinuousClock.now - start
            #expect(Set(result.answers.keys) == ["p1", "p2"])
            #expect(result.silent == ["p3"], "\(result.failures) \(answering.map { $0.requests.map(\.command) })")
            #expect(elapsed >= deadline && elapsed < deadline + promptly, "\(elapsed)")
        }
    }

    @Test func endSessionFallsBackToSessionTerminatedOnAPythonHost() async throws {
        let server = try await RedisServer()
        defer { server.remove() }
        let python = try PythonResponder(server, name: "pyhost") { request in
            let name = request.words?.name ?? ""
            let chunk = name != "end_session" ? PythonResponder.success("null")
                : "{\"status\": \"error\", \"error\": \"No handler registered for event: \(name)\", \"code\": \"NO_HANDLER\"}"
            return [PythonResponder.entry(chunk, answering: "{id}")]
        }
        let heartbeat = "{\"computer_name\": \"pyhost\", \"last_seen\": \"2026-01-11T21:52:03.004211+00:00\"}"
        _ = try await PythonPeer(server).link.send(["SETEX", RedisKeys.heartbeat("pyhost"), "60", heartbeat])
        let peers = try PeersRun(server.url(), name: "asker")
        var failure: (any Error)?
        await withDiscardingTaskGroup { group in
            group.addTask { await peers.run() }
            do { try await endSessionAndKeys(server, peers, python) } catch { failure = error }
            #expect(await peers.stop())
        }
        if let failure { throw failure }
    }

    private func endSessionAndKeys(_ server: RedisServer, _ peers: PeersRun, _ python: PythonResponder) async throws {
        #expect(await eventually { peers.names == ["pyhost"] })
        try await withRequester(server, responders: [python]) { requester in
            let gateway = RedisPeerGateway(requester: requester, directory: peers.service.directory,
                                           cache: SessionCache(localComputer: "asker", time: .continuous), time: .continuous,
                                           logger: .init(label: "gateway-test"))
            #expect(gateway.isOnline("pyhost"))
            #expect(await gateway.computers().map(\.name) == ["pyhost"])
            try await gateway.endSession(on: "pyhost", sessionID: "s9")
            try await gateway.sendKeys(on: "pyhost", sessionID: "s9", key: "key_up", count: 3)
            try await gateway.sendKeys(on: "pyhost", sessionID: "s9", key: "ctrl_c", count: 1)
            #expect(python.requests.map(\.command) == ["/end_session 's9'", "/session_terminated", "/key_up '3'", "/ctrl 'c'"])
            #expect(python.requests.map(\.sessionID) == ["s9", "s9", "s9", "s9"])
            await #expect(throws: TetherError(.notFound, "")) { try await gateway.endSession(on: "nobody", sessionID: "s9") }
        }
    }
}

extension RequesterTests {
    /// Round trips to a Tether responder on loopback, one after another and 20 at a time: the
    /// figures go to the log (the goal is a p99 under 5 ms); the bound here only catches a wait
    /// that a lost wake-up would cause (a full BLOCK).
    @Test func roundTripsStayFarBelowTheReadersBlock() async throws {
        let server = try await RedisServer()
        defer { server.remove() }
        let commands = RecordingCommands(computer: "tether1")
        try await withRequestReader(server, settings: InMemorySettingsStore(), commands: commands) { reader in
            #expect(await eventually { reader.counts.cursor != nil })
            try await withRequester(server) { requester in
                var times: [Duration] = []
                for _ in 0..<300 { times.append(try await requester.request(.getComputerInfo, to: "tether1", acceptsUnlabelled: false).roundTrip) }
                for _ in 0..<15 {
                    times += await withTaskGroup(of: Duration?.self) { group in
                        for _ in 0..<20 {
                            group.addTask { try? await requester.request(.listSessions, to: "tether1", acceptsUnlabelled: false).roundTrip }
                        }
                        return await group.reduce(into: []) { if let time = $1 { $0.append(time) } }
                    }
                }
                #expect(times.count == 600)
                let sorted = times.sorted()
                let p50 = sorted[sorted.count / 2], p99 = sorted[sorted.count * 99 / 100]
                print("request round trip on loopback: p50 \(p50), p99 \(p99), n \(sorted.count)")
                #expect(p99 < .seconds(1), "p50 \(p50), p99 \(p99)")
            }
        }
    }
}
