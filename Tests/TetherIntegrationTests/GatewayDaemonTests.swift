import Foundation
import Logging
import TetherCore
import TetherRedis
import Testing

/// ``RedisPeerGateway`` driving a real Tether daemon on a real `redis-server`: the requester's side
/// against the responder's, both Tether's.
@Suite(.serialized, .timeLimit(.minutes(3))) struct GatewayDaemonTests {
    @Test func theGatewayListsTypesReadsCreatesAndEndsOnATetherPeer() async throws {
        let server = try await RedisServer()
        defer { server.remove() }
        let peers = try PeersRun(server.url(), name: "asker")
        var failure: (any Error)?
        await withDiscardingTaskGroup { group in
            group.addTask { await peers.run() }
            // The daemon's first discovery round (at its start) then finds this peer already there.
            #expect(await eventually { peers.service.status.state == .connected })
            do {
                let daemon = try await APIDaemon(configuration: "redis: {enabled: true, url: \"\(server.url())\"}")
                defer { daemon.remove() }
                let id = try daemon.newSession(command: "echo started-here")
                try await drive(daemon, server, peers, session: id)
            } catch {
                failure = error
            }
            #expect(await peers.stop())
        }
        if let failure { throw failure }
    }

    private func drive(_ daemon: APIDaemon, _ server: RedisServer, _ peers: PeersRun, session id: String) async throws {
        #expect(await eventually { peers.names == [daemon.computer] }, "\(daemon.process.log)")
        #expect(await daemon.readsRequests(), "\(daemon.process.log)")
        // The daemon asks every peer it sees for its details (get_computer_info), this one included.
        let asked = await eventually {
            let entries = try? await PythonPeer(server).link.send(["XRANGE", RedisKeys.messages("asker"), "-", "+"])
            return entries.map { StreamEntry.entries(ofRange: $0) }?.contains {
                $0.fields.values["command"] == Array("/get_computer_info".utf8) && $0.fields.values["initiator"] == Array(daemon.computer.utf8)
            } ?? false
        }
        #expect(asked, "\(daemon.process.log)")
        try await withRequester(server) { requester in
            let cache = SessionCache(localComputer: "asker", time: .continuous)
            let gateway = RedisPeerGateway(requester: requester, directory: peers.service.directory, cache: cache, time: .continuous,
                                           logger: Logger(label: "gateway-test"))
            let info = try await requester.request(.getComputerInfo, to: daemon.computer, acceptsUnlabelled: false)
            #expect(info.from == daemon.computer)
            guard case .success(let data) = info.reply else { Issue.record("\(info.reply)"); return }
            #expect(data["system_stats"] != nil)

            let listed = await gateway.sessions(of: daemon.computer)
            #expect(listed.contains { $0.id == id && $0.computer == daemon.computer }, "\(listed.map(\.id))")
            #expect(gateway.host(ofSession: id) == daemon.computer)
            #expect(await gateway.sessions(of: nil).map(\.id) == listed.map(\.id))
            let projects = await gateway.projects(of: nil)
            #expect(projects.map(\.computer) == [daemon.computer])
            #expect(projects.first?.projects.contains { $0.path == daemon.project } == true, "\(projects)")

            try await gateway.sendMessage(on: daemon.computer, sessionID: id, text: "echo typed-through-the-gateway")
            try await gateway.sendKeys(on: daemon.computer, sessionID: id, key: "enter", count: 1)
            #expect(await eventually { daemon.transcript(id).contains("typed-through-the-gateway") })
            let output = try await gateway.sessionOutput(on: daemon.computer, sessionID: id, tailChars: 0)
            #expect(output.sessionID == id)
            await #expect(throws: TetherError(.notFound, "")) {
                _ = try await gateway.sessionOutput(on: daemon.computer, sessionID: "no-such-session", tailChars: 10)
            }

            let created = try await gateway.newSession(on: daemon.computer, NewSessionRequest(workingDirectory: daemon.project, title: "made remotely"))
            #expect(!created.sessionID.isEmpty && created.tmuxSessionName.hasPrefix("tc_"))
            try await gateway.endSession(on: daemon.computer, sessionID: created.sessionID)
            #expect(requester.timings.failures.isEmpty, "\(requester.timings.failures)")
        }
    }
}
