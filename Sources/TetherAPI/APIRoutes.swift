import Foundation
import Hummingbird
import HummingbirdWebSocket
import TetherCore

/// The REST endpoints (PROTOCOL.md §5, with Tether's additions), each answering in the shapes the
/// Python daemon's clients read; failures are mapped to HTTP in ``APIResponse``.
struct APIRoutes: Sendable {
    typealias Context = BasicWebSocketRequestContext

    let environment: APIEnvironment
    let metrics: APIMetrics
    let files: BlockingWorker

    /// Every path and its methods, so an unknown method on a known path is 405, not 404.
    static let paths: [(pattern: [String], methods: [HTTPRequest.Method])] = [
        (["health"], [.get]), (["status"], [.get]), (["metrics"], [.get]),
        (["sessions"], [.get, .post]), (["sessions", "*"], [.get, .delete]),
        (["sessions", "*", "message"], [.post]), (["sessions", "*", "keys"], [.post]), (["sessions", "*", "transcript"], [.get]),
        (["sessions", "*", "agent-hook"], [.post]), (["inputs", "*"], [.get]), (["sessions", "*", "answer"], [.post]),
        (["sessions", "*", "agent-restart"], [.post]),
        (["computers"], [.get]), (["projects"], [.get]), (["projects-with-todos"], [.get]), (["todos"], [.get]),
        (["agents", "availability"], [.get]), (["ws"], [.get]),
    ]

    /// The most ended sessions one listing returns (newest first).
    static let endedListLimit = 1000
    /// The `computer` value that means this computer, whatever its name.
    static let localAlias = "local"

    func register(on router: Router<Context>) {
        router.get("health") { _, _ in APIResponse.json(Array(#"{"status":"ok"}"#.utf8)) }
        router.get("status") { _, _ in APIResponse.json(environment.status()) }
        router.get("metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(bytes: metrics.render())))
        }
        router.get("sessions") { request, _ in await listSessions(request) }
        router.post("sessions") { request, _ in await createSession(request) }
        router.get("sessions/:id") { request, context in
            let id = context.parameters.get("id") ?? ""
            return await onSession(id, request, action: "get session",
                                   local: { APIResponse.json(try await environment.commands.session(id).summaryJSON) },
                                   remote: { host, peers in try await remoteSessionSummary(id, on: host, peers) })
        }
        router.delete("sessions/:id") { request, context in
            let id = context.parameters.get("id") ?? ""
            return await onSession(id, request, action: "end session", local: {
                let ended = try await environment.commands.endSession(sessionID: id)
                return APIResponse.json(SessionEndedReply(message: "Session \(id) ended", session: ended))
            }, remote: { host, peers in try await endRemoteSession(id, on: host, peers) })
        }
        router.post("sessions/:id/message") { request, context in await sendMessage(request, id: context.parameters.get("id") ?? "") }
        router.post("sessions/:id/keys") { request, context in await sendKeys(request, id: context.parameters.get("id") ?? "") }
        router.get("inputs/:id") { _, context in await inputReceipt(context.parameters.get("id") ?? "") }
        router.post("sessions/:id/answer") { request, context in await answer(request, id: context.parameters.get("id") ?? "") }
        router.post("sessions/:id/agent-restart") { request, context in await agentRestart(request, id: context.parameters.get("id") ?? "") }
        router.post("sessions/:id/agent-hook") { request, context in await agentHook(request, id: context.parameters.get("id") ?? "") }
        router.get("sessions/:id/transcript") { request, context in await transcript(request, id: context.parameters.get("id") ?? "") }
        router.get("computers") { _, _ in await computers() }
        router.get("projects") { request, _ in await projects(request) }
        router.get("projects-with-todos") { _, _ in await projectsWithTodos() }
        router.get("todos") { request, _ in await todos(project: request.query("project")) }
        router.get("agents/availability") { _, _ in await availability() }
    }

    // MARK: Sessions

    private func createSession(_ request: Request) async -> Response {
        var body: JSONBody
        switch await JSONBody.read(request) {
        case .success(let parsed): body = parsed
        case .failure(let error): return error.response
        }
        let agents = environment.agents()
        let computer = body.string("computer", required: true, minLength: 2)
        let isLocal = computer == nil || computer == environment.computer || computer == Self.localAlias
        let projectDir = body.string("project_dir", required: true, minLength: 2)
        // A peer has agents of its own and judges the name itself.
        let agent = isLocal ? body.literal("agent", agents.keys.sorted() + ["shell"], default: nil) : body.string("agent")
        let mode = body.literal("thinking_mode", ["fast", "med", "slow", "deep"], default: "slow")
        let title = body.string("title")
        let message = body.string("message")
        let command = body.string("command")
        let shell = body.bool("shell")
        let initiator = body.string("initiator_session_id")
        guard body.problems.isEmpty else { return APIResponse.problems(body.problems) }
        let startAgent = shell || agent == "shell" ? nil : agent
        var request = NewSessionRequest(workingDirectory: projectDir, agent: startAgent, thinkingMode: mode, title: title,
                                        message: message, origin: "rest", initiatorSessionID: initiator.flatMap { $0.isEmpty ? nil : $0 })
        if startAgent == nil, let command, !command.isEmpty {
            // A command for a plain shell: typed as its first line, after any message.
            request.message = [message, command].compactMap { $0 }.joined(separator: "\n")
        }
        if let computer, !isLocal { return await createRemoteSession(request, on: computer) }
        do {
            let session = try await environment.commands.newSession(request)
            return APIResponse.json(SessionCreatedReply(sessionID: session.id, tmuxSessionName: session.record.tmuxSessionName, session: session))
        } catch {
            return APIResponse.error(error, action: "create session")
        }
    }

    private func sendMessage(_ request: Request, id: String) async -> Response {
        var body: JSONBody
        switch await JSONBody.read(request) {
        case .success(let parsed): body = parsed
        case .failure(let error): return error.response
        }
        let text = body.string("message", required: true, minLength: 1)
        guard body.problems.isEmpty, let text else { return APIResponse.problems(body.problems) }
        let sent = Array(#"{"status":"success","result":{"status":"success"}}"#.utf8)
        return await onSession(id, request, action: "send message", local: {
            // The baseline's shape, with the receipt's id and state inside `result` (Python clients ignore them).
            let receipt = try await environment.commands.submitMessage(sessionID: id, text: text, adapter: "rest")
            var json = JSONWriter(reservingCapacity: 160)
            json.beginObject()
            json.member("status", "success")
            json.key("result")
            json.beginObject()
            json.member("status", "success")
            json.member(InputReceipt.CodingKeys.inputID, receipt.inputID)
            json.member(InputReceipt.CodingKeys.state, receipt.state.rawValue)
            json.endObject()
            json.endObject()
            return APIResponse.json(json.bytes)
        }, remote: { host, peers in
            try await peers.sendMessage(on: host, sessionID: id, text: text)
            return APIResponse.json(sent)
        })
    }

    private func sendKeys(_ request: Request, id: String) async -> Response {
        var body: JSONBody
        switch await JSONBody.read(request) {
        case .success(let parsed): body = parsed
        case .failure(let error): return error.response
        }
        let keys = body.strings("keys") ?? body.string("key").map { [$0] }
        let count = body.int("count", default: 1, range: 1...1000)
        if keys == nil, body.problems.isEmpty { body.problems.append(.missing(["body", "keys"])) }
        guard body.problems.isEmpty, let keys, !keys.isEmpty else { return APIResponse.problems(body.problems.isEmpty ? [.missing(["body", "keys"])] : body.problems) }
        let pressed = Array(#"{"status":"success"}"#.utf8)
        return await onSession(id, request, action: "send keys", local: {
            for key in keys { try await environment.commands.sendKeys(sessionID: id, key: key, count: count) }
            return APIResponse.json(pressed)
        }, remote: { host, peers in
            for key in keys { try await peers.sendKeys(on: host, sessionID: id, key: key, count: count) }
            return APIResponse.json(pressed)
        })
    }

    private func transcript(_ request: Request, id: String) async -> Response {
        var tailChars = 5000
        if let text = request.query("tail_chars") {
            guard let number = Int(text), number >= 0 else {
                return APIResponse.problems([ValidationProblem(type: "int_parsing", location: ["query", "tail_chars"],
                                                               message: "Input should be a valid integer, 0 or more", input: text)])
            }
            tailChars = number
        }
        return await onSession(id, request, action: "get transcript", local: {
            let (session, messages) = try await environment.commands.sessionOutput(sessionID: id, tailChars: tailChars)
            return APIResponse.json(TranscriptReply(session.output(messages: messages)))
        }, remote: { host, peers in
            APIResponse.json(TranscriptReply(try await peers.sessionOutput(on: host, sessionID: id, tailChars: tailChars)))
        })
    }

    // MARK: Computers, projects, agents

    private func projectsWithTodos() async -> Response {
        let local = environment.commands.listProjects()
        let todos = (try? await files.run { local.map { TodoItem.read(project: $0.path) } }) ?? local.map { _ in [] }
        return APIResponse.json(zip(local, todos).map { $0.listed(on: environment.computer, as: .rest, todos: $1) })
    }

    /// Todos of one trusted dir; any other path is refused, so no file outside them can be read.
    private func todos(project: String?) async -> Response {
        guard let project, !project.isEmpty else { return APIResponse.json(Array("[]".utf8)) }
        guard environment.commands.listProjects().contains(where: { $0.path == project }) else {
            return APIResponse.failure("Project \(project) is not one of this computer's trusted dirs", status: .notFound)
        }
        let items = (try? await files.run { TodoItem.read(project: project) }) ?? []
        return APIResponse.json(items)
    }

    /// Each configured agent, available when its command is found on PATH.
    private func availability() async -> Response {
        let agents = environment.agents()
        let found = (try? await files.run { agents.mapValues { Self.onPath($0) } }) ?? [:]
        var json = JSONWriter()
        json.beginObject()
        for name in agents.keys.sorted() {
            let program = agents[name]?.split(separator: " ").first.map(String.init) ?? ""
            json.member(name, AgentAvailability(agent: name, available: found[name] ?? false,
                                                reason: found[name] == true ? nil : "command \(program) not found on PATH"))
        }
        json.endObject()
        return APIResponse.json(json.bytes)
    }

    private static func onPath(_ command: String) -> Bool {
        guard let program = command.split(separator: " ").first.map(String.init) else { return false }
        if program.contains("/") { return FileManager.default.isExecutableFile(atPath: program) }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(program)") }
    }
}
