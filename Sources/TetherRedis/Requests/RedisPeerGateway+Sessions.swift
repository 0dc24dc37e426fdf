import Logging
import TetherCore

extension RedisPeerGateway {
    public func newSession(on computer: String, _ request: NewSessionRequest) async throws -> RemoteSessionCreated {
        let autoCommand = try Self.autoCommand(for: request, on: computer)
        let title = request.title.flatMap { $0.isEmpty ? nil : $0 }
        let metadata = request.initiatorSessionID.map { ChannelMetadata(initiatorSessionID: $0) }
        let answer = try await ask(.newSession(description: title ?? ""), on: computer, projectDirectory: request.workingDirectory,
                                   channelMetadata: metadata, autoCommand: autoCommand?.text)
        let data = try data(of: answer, "new_session", on: computer)
        guard let sessionID = data["session_id"]?.stringValue, !sessionID.isEmpty else {
            throw TetherError(.unavailable, "\(computer) answered new_session without a session_id; is it a compatible daemon (PROTOCOL.md §3)?")
        }
        // Without an agent the message is a first line typed into the shell, as on this computer.
        if autoCommand == nil, let message = request.message, !message.isEmpty {
            try await sendMessage(on: computer, sessionID: sessionID, text: message)
        }
        return RemoteSessionCreated(sessionID: sessionID,
                                    tmuxSessionName: data["tmux_session_name"]?.stringValue ?? SessionRecord.tmuxName(for: sessionID),
                                    session: cache.session(sessionID))
    }

    /// `agent_then_message <agent> <mode> '<message>'`, or `agent <agent> <mode>` without a message
    /// (PROTOCOL.md §3); nil when no agent is asked for.
    static func autoCommand(for request: NewSessionRequest, on computer: String) throws(TetherError) -> AutoCommand? {
        guard let name = request.agent, !name.isEmpty else { return nil }
        guard let agent = PeerAgent(rawValue: name) else {
            throw TetherError(.invalidRequest, "agent \(name) cannot be started on \(computer) over Redis; use claude, gemini or codex")
        }
        var mode = ThinkingMode.slow
        if let text = request.thinkingMode, !text.isEmpty {
            guard let given = ThinkingMode(rawValue: text), given != .deep || agent == .codex else {
                throw TetherError(.invalidRequest, "thinking mode \(text) is not one of fast, med, slow (or deep, for codex only)")
            }
            mode = given
        }
        let start = AgentStart(agent: agent, mode: mode)
        guard let message = request.message, !message.isEmpty else { return .startAgent(start) }
        return .startAgentThenMessage(start, message: message)
    }

    public func sendMessage(on computer: String, sessionID: String, text: String) async throws {
        guard !text.isEmpty else {
            throw TetherError(.invalidRequest, "the message for session \(sessionID) is empty; send at least one character")
        }
        let answer = try await ask(.message(text: text), on: computer, sessionID: sessionID)
        _ = try data(of: answer, "message", on: computer)
    }

    public func sendKeys(on computer: String, sessionID: String, key: String, count: Int) async throws {
        guard let presses = RemoteKeyMapper.commands(for: key, count: count) else {
            throw TetherError(.invalidRequest, "unknown key \(key.prefix(40)); use \(RemoteKeyMapper.knownNames)")
        }
        for press in presses {
            let answer = try await ask(.key(press), on: computer, sessionID: sessionID)
            _ = try data(of: answer, press.key.rawValue, on: computer)
        }
    }

    public func sessionOutput(on computer: String, sessionID: String, tailChars: Int) async throws -> SessionOutput {
        let answer = try await ask(.getSessionData(SessionDataRange(tailCharacters: max(0, tailChars))), on: computer, sessionID: sessionID)
        let data = try data(of: answer, "get_session_data", on: computer)
        // A domain error travels inside a success envelope (PROTOCOL.md §3).
        if data["status"]?.stringValue == WireStatus.error {
            throw Self.refusal(data["error"]?.stringValue ?? "no reason given", "get_session_data for \(sessionID)", on: computer)
        }
        do {
            return try data.decode(as: SessionOutput.self)
        } catch {
            throw TetherError(.unavailable, "\(computer)'s get_session_data reply for \(sessionID) is not a session's data (PROTOCOL.md §3)")
        }
    }

    public func endSession(on computer: String, sessionID: String) async throws {
        let answer = try await ask(.endSession(sessionID: sessionID), on: computer, sessionID: sessionID)
        if case .failure(let failure) = answer.reply, failure.isNoHandler {
            // A Python host has no end_session handler; session_terminated is the remote kill it honours.
            let fallback = try await ask(.sessionTerminated, on: computer, sessionID: sessionID)
            _ = try data(of: fallback, "session_terminated", on: computer)
            return
        }
        let data = try data(of: answer, "end_session", on: computer)
        if data["status"]?.stringValue == WireStatus.error {
            throw Self.refusal(data["message"]?.stringValue ?? data["error"]?.stringValue ?? "no reason given", "end_session for \(sessionID)", on: computer)
        }
    }
}
