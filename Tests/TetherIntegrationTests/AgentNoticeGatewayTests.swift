import Foundation
import Logging
import Testing
import TetherCore
import TetherRedis

/// Notices sent to a Python peer (issue 12, review item 11): it gets `stop_notification`, never
/// `input_notification`, whose receiver crashes there (PROTOCOL.md §9 defect 6).
@Suite(.serialized, .timeLimit(.minutes(2))) struct AgentNoticeGatewayTests {
    @Test func aPythonPeerGetsStopNoticesButNoInputNotices() async throws {
        let server = try await RedisServer()
        defer { server.remove() }
        let python = try PythonResponder(server, name: "pyhost") { request in
            [PythonResponder.entry(PythonResponder.success("null"), answering: "{id}")]
        }
        let heartbeat = "{\"computer_name\": \"pyhost\", \"last_seen\": \"2026-01-11T21:52:03.004211+00:00\"}"
        _ = try await PythonPeer(server).link.send(["SETEX", RedisKeys.heartbeat("pyhost"), "60", heartbeat])
        let peers = try PeersRun(server.url(), name: "asker")
        var failure: (any Error)?
        await withDiscardingTaskGroup { group in
            group.addTask { await peers.run() }
            do {
                #expect(await eventually { peers.names == ["pyhost"] })
                try await withRequester(server, responders: [python]) { requester in
                    let gateway = RedisPeerGateway(requester: requester, directory: peers.service.directory,
                                                   cache: SessionCache(localComputer: "asker", time: .continuous), time: .continuous,
                                                   logger: .init(label: "gateway-test"))
                    for _ in 0..<2 {
                        try await gateway.sendAgentNotice(on: "pyhost", sessionID: "s1", kind: .needsInput, text: "Allow Bash?")
                    }
                    try await gateway.sendAgentNotice(on: "pyhost", sessionID: "s1", kind: .turnEnded, text: "fix the build")
                    // The stream keeps order: once the stop notice is read, any input notice sent before it is too.
                    #expect(await eventually { python.requests.contains { $0.command.hasPrefix("/stop_notification") } }, "\(python.requests.map(\.command))")
                    #expect(python.requests.count == 1, "no input_notification: \(python.requests.map(\.command))")
                }
            } catch { failure = error }
            #expect(await peers.stop())
        }
        if let failure { throw failure }
    }
}
