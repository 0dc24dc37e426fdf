import Foundation
import Testing

/// "A hook naming another user's session" (issue 12, bad input): a hook proves its session with the
/// token Tether wrote for that session alone; any other is refused (403), counted, logged once.
extension AgentHookTests {
    @Test func aHookNamingAnotherSessionIsRefusedCountedAndLoggedOnce() async throws {
        let daemon = try await APIDaemon(configuration: Self.hooksOnly)
        defer { daemon.remove() }
        let a = try await agentSession(daemon)
        let b = try await agentSession(daemon)
        let plain = try daemon.newSession()
        let stop = Array(#"{"hook_event_name":"Stop"}"#.utf8)
        for _ in 0..<3 { #expect(try post(daemon, b.id, token: a.token, stop) == 403, "session A's token naming session B") }
        #expect(try post(daemon, b.id, token: nil, stop) == 403)
        #expect(try post(daemon, plain, token: a.token, stop) == 403, "a plain shell runs no agent with hooks")
        #expect(hookCount(daemon, "rejected") == 5 && hookCount(daemon, "received") == 0)
        let refusal = try daemon.client.request("POST", "/sessions/\(b.id)/agent-hook?agent=claude&event=Stop", body: stop, contentType: "application/json",
                                                extraHeaders: ["X-Tether-Hook-Token": a.token]).text
        #expect(refusal.contains("does not match session \(b.id)") && refusal.contains("tether restart-agent"), "\(refusal)")
        #expect(summary(daemon, b.id)["agent_state"] as? String != "idle", "the forged Stop changed nothing")

        // The session's own hook, through `tether hook` and its token file, is taken.
        let hook = "\(Self.client) hook claude Stop --session \(b.id) --socket \(daemon.socket) --token-file \(tokenFile(daemon, b.id))"
        let result = try await shell("echo '{\"hook_event_name\":\"Stop\"}' | \(hook)", timeout: .seconds(20))
        #expect(result.status == 0 && result.output.isEmpty, "\(result.output)")
        #expect(await eventually { hookCount(daemon, "received") == 1 })
        #expect(await eventually { summary(daemon, b.id)["agent_state"] as? String == "idle" })

        let log = daemon.process.log
        let refusedB = log.split(separator: "\n").filter { $0.contains("refused agent hooks") && $0.contains(b.id) }
        #expect(refusedB.count == 1, "one line per run of refusals, not per hook: \(refusedB)")
        #expect(!log.contains(a.token) && !log.contains(b.token), "a token is never logged")
        #expect(!((try? daemon.client.get("/metrics").text) ?? "").contains(a.token))
    }

    func summary(_ daemon: APIDaemon, _ id: String) -> [String: Any] {
        (try? daemon.client.get("/sessions/\(id)").object) ?? [:]
    }
}
