import Foundation
import Hummingbird
import Synchronization
import TetherCore

/// What became of the agent hooks the API was given, for `/metrics`: taken, refused (bad request,
/// unknown session, too large, not the session's token) or late (the session had ended: a hook of an agent still closing).
public final class AgentHookTally: Sendable {
    private let counts = Mutex((received: 0, rejected: 0, late: 0))

    public init() {}

    func record(received: Int = 0, rejected: Int = 0, late: Int = 0) {
        counts.withLock { $0 = ($0.received + received, $0.rejected + rejected, $0.late + late) }
    }

    var snapshot: (received: Int, rejected: Int, late: Int) { counts.withLock { $0 } }
}

extension APIRoutes {
    /// The largest hook payload taken: a Claude Code event with a large tool input (an edit's old and
    /// new text) fits many times over; beyond it the hook is refused and counted, never buffered.
    static let maximumHookPayload = 256 << 10

    /// `GET /inputs/{id}`: the receipt of a text sent to a session of this computer.
    func inputReceipt(_ inputID: String) async -> Response {
        guard let receipt = await environment.commands.inputReceipt(inputID) else {
            return APIResponse.error(TetherError(.notFound, "no input \(inputID) is remembered here; receipts are kept for the last 10,000 texts sent to this computer's sessions"),
                                     action: "read input")
        }
        return APIResponse.json(receipt.jsonBytes)
    }

    /// `POST /sessions/{id}/answer` with `{"choice": 2}`: answers the agent's open dialog by number,
    /// on this computer or, for a peer's session, on its host (a Tether daemon only).
    func answer(_ request: Request, id: String) async -> Response {
        var body: JSONBody
        switch await JSONBody.read(request) {
        case .success(let parsed): body = parsed
        case .failure(let error): return error.response
        }
        let choice = body.int("choice", default: 0, range: 1...99)
        guard body.problems.isEmpty, choice > 0 else { return APIResponse.problems(body.problems.isEmpty ? [.missing(["body", "choice"])] : body.problems) }
        let answered = Array(#"{"status":"success"}"#.utf8)
        // A session of another computer is answered by its host (Tether's own `answer` command).
        return await onSession(id, request, action: "answer", local: {
            try await environment.commands.answer(sessionID: id, choice: choice)
            return APIResponse.json(answered)
        }, remote: { host, peers in
            try await peers.answer(on: host, sessionID: id, choice: choice)
            return APIResponse.json(answered)
        })
    }

    /// The largest `agent-restart` body: `{"agent": "claude"}` and room for nothing else of note.
    static let maximumRestartBody = 4 << 10

    /// `POST /sessions/{id}/agent-restart`, the body empty or `{"agent": "claude"}`: the agent is
    /// stopped (Ctrl-C until its shell is back) and resumes its conversation, with its hooks; a
    /// peer's session is restarted by its host.
    func agentRestart(_ request: Request, id: String) async -> Response {
        var agent: String?
        do {
            let body = try await request.body.collect(upTo: Self.maximumRestartBody)
            if body.readableBytes > 0 {
                guard let object = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any],
                      object["agent"] == nil || object["agent"] is String else {
                    return APIResponse.detail("the agent-restart body is empty or {\"agent\": \"claude\"} (a configured agent's name)", status: .badRequest)
                }
                agent = (object["agent"] as? String).flatMap { $0.isEmpty ? nil : $0 }
            }
        } catch {
            return APIResponse.detail("the agent-restart body is larger than \(Self.maximumRestartBody) bytes; send {\"agent\": NAME} or nothing",
                                      status: .contentTooLarge)
        }
        let restarted = Array(#"{"status":"success"}"#.utf8)
        // A session of another computer is restarted by its host (`agent_restart`, PROTOCOL.md §3).
        return await onSession(id, request, action: "agent restart", local: {
            try await environment.commands.restartAgent(sessionID: id, agent: agent)
            return APIResponse.json(restarted)
        }, remote: { host, peers in
            try await peers.restartAgent(on: host, sessionID: id, agent: agent)
            return APIResponse.json(restarted)
        })
    }

    /// The header carrying a session's hook token (`tether hook` sends it; never logged), lowercased
    /// as HTTP header names compare.
    static let hookTokenHeader = "x-tether-hook-token"

    /// `POST /sessions/{id}/agent-hook?agent=claude&event=Stop`: the body is the hook's JSON as the
    /// agent gave it (`tether hook` sends it), the session's hook token in ``hookTokenHeader``.
    /// Only for sessions of this computer: a hook runs where its agent runs.
    func agentHook(_ request: Request, id: String) async -> Response {
        guard let agent = request.query("agent"), !agent.isEmpty, let event = request.query("event"), !event.isEmpty else {
            metrics.hooks.record(rejected: 1)
            return APIResponse.detail("agent and event query parameters are required, as tether hook AGENT EVENT sends them", status: .badRequest)
        }
        let payload: ByteBuffer
        do {
            payload = try await request.body.collect(upTo: Self.maximumHookPayload)
        } catch {
            metrics.hooks.record(rejected: 1)
            return APIResponse.detail("the \(agent) \(event) hook payload is larger than \(Self.maximumHookPayload) bytes; it was dropped",
                                      status: .contentTooLarge)
        }
        do {
            try await environment.commands.agentHook(sessionID: id, agent: agent, event: event, payload: Array(payload.readableBytesView),
                                                     token: request.headers.first { $0.name.canonicalName == Self.hookTokenHeader }?.value)
            metrics.hooks.record(received: 1)
            return APIResponse.json(Array(#"{"status":"success"}"#.utf8))
        } catch let error as TetherError where error.code == .gone {
            metrics.hooks.record(late: 1)
            return APIResponse.error(error, action: "agent hook")
        } catch let error as TetherError where error.code == .forbidden {
            metrics.hooks.record(rejected: 1)
            return APIResponse.detail(error.message, status: .forbidden)
        } catch {
            metrics.hooks.record(rejected: 1)
            return APIResponse.error(error, action: "agent hook")
        }
    }
}
