import Logging
import TetherCore

extension RequestHandler {
    /// `new_session`: `project_dir` (+ `subfolder`), the description as title, `origin: redis`.
    func newSession(_ description: String, _ request: PeerRequest) async throws -> [UInt8] {
        let metadata = request.channelMetadata
        if let subfolder = metadata?.subfolder, let problem = Self.subfolderProblem(subfolder) {
            logger.warning("new_session refused: a bad channel_metadata.subfolder", metadata: ["error": "\(problem)"])
            return ReplyEnvelope.failure("new_session refused on \(computer): channel_metadata.subfolder \(problem); "
                + "send a folder name relative to project_dir.", code: ReplyEnvelope.Code.invalidRequest)
        }
        var directory = request.projectDirectory
        if let base = directory, let subfolder = metadata?.subfolder {
            directory = base.hasSuffix("/") ? base + subfolder : base + "/" + subfolder
        }
        var newSession = NewSessionRequest(workingDirectory: directory, title: description, origin: Self.origin,
                                           initiatorSessionID: metadata?.initiatorSessionID, initiatorComputer: request.initiator)
        if let text = request.autoCommand { apply(autoCommand: text, to: &newSession) }
        let session = try await commands.newSession(newSession)
        return ReplyEnvelope.success(NewSessionData(sessionID: session.id, tmuxSessionName: session.record.tmuxSessionName,
                                                    autoCommandQueued: request.autoCommand != nil))
    }

    /// Why `subfolder` cannot be appended to a project directory (it would leave it), or nil.
    static func subfolderProblem(_ subfolder: String) -> String? {
        let shown = subfolder.prefix(ReplyEnvelope.echoedNameLimit)
        if subfolder.hasPrefix("/") { return "'\(shown)' is an absolute path" }
        if subfolder.split(separator: "/").contains("..") { return "'\(shown)' climbs out of the project with '..'" }
        if subfolder.utf8.contains(0) { return "holds a NUL byte" }
        return nil
    }

    /// The agent start an `auto_command` asks for becomes part of the new session; one the command
    /// layer cannot run (a resume) or that does not parse is logged and left out.
    private func apply(autoCommand text: String, to request: inout NewSessionRequest) {
        do {
            switch try AutoCommand(parsing: text) {
            case .startAgent(let start):
                request.agent = start.agent.rawValue
                request.thinkingMode = start.mode?.rawValue
                request.message = start.arguments.isEmpty ? nil : start.arguments.joined(separator: " ")
            case .startAgentThenMessage(let start, let message):
                request.agent = start.agent.rawValue
                request.thinkingMode = start.mode?.rawValue
                request.message = message
            case .resumeAgent(let agent):
                logger.warning("auto_command agent_resume is not supported yet; the session starts without it", metadata: ["agent": "\(agent.rawValue)"])
            }
        } catch {
            logger.warning("auto_command ignored", metadata: ["error": "\(error.message)"])
        }
    }

    /// `get_session_data`: the transcript's tail; a domain error goes inside `data` (PROTOCOL.md §3).
    /// `since`/`until` choose an agent transcript's messages; a screen has no times and ignores them.
    func sessionData(_ sessionID: String, _ range: SessionDataRange) async -> [UInt8] {
        do {
            let (session, messages) = try await commands.sessionOutput(sessionID: sessionID, tailChars: range.tailCharacters,
                                                                       since: range.since, until: range.until)
            return ReplyEnvelope.success(session.output(messages: messages))
        } catch {
            return ReplyEnvelope.success(StatusError(error: "get_session_data for \(sessionID) failed on \(computer): \(error)"))
        }
    }

    /// A key command as the command layer (and the API's `/keys` route) names keys.
    func pressKey(_ press: KeyPress, session: String) async throws {
        switch press.key {
        case .cancel2x: try await commands.sendKeys(sessionID: session, key: "cancel", count: 2)
        case .escape, .escape2x:
            try await commands.sendKeys(sessionID: session, key: "escape", count: press.key == .escape2x ? 2 : 1)
            if let text = press.text { try await commands.sendMessage(sessionID: session, text: text, adapter: Self.origin) }
        case .ctrl: try await commands.sendKeys(sessionID: session, key: "ctrl_\(press.text ?? "")", count: 1)
        default: try await commands.sendKeys(sessionID: session, key: press.key.rawValue, count: press.count)
        }
    }

    /// `end_session [id]`: `{status, message}` (§9 defect 5).
    func endSession(_ sessionID: String?) async throws -> [UInt8] {
        guard let sessionID else {
            return ReplyEnvelope.failure("end_session needs the session id, as an argument or the 'session_id' field.",
                                         code: ReplyEnvelope.Code.invalidRequest)
        }
        try await commands.endSession(sessionID: sessionID)
        return ReplyEnvelope.success(StatusMessage(status: WireStatus.success, message: "Session \(sessionID) ended on \(computer)."))
    }
}

/// `new_session`'s data: `{session_id, tmux_session_name}` and, with an `auto_command`, its status.
struct NewSessionData: WireEncodable {
    var sessionID: String
    var tmuxSessionName: String
    var autoCommandQueued: Bool

    func write(to json: inout JSONWriter) {
        json.beginObject()
        json.member("session_id", sessionID)
        json.member("tmux_session_name", tmuxSessionName)
        if autoCommandQueued {
            json.member("auto_command_status", "queued")
            json.member("auto_command_message", "Auto-command queued")
        }
        json.endObject()
    }
}

/// `{status:"error", error}` inside a success envelope's `data`.
struct StatusError: WireEncodable {
    var error: String

    func write(to json: inout JSONWriter) {
        json.beginObject()
        json.member("status", WireStatus.error)
        json.member("error", error)
        json.endObject()
    }
}
