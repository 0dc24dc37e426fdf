import Logging
import TetherCore

/// Takes the agent hook events `tether hook` posts: a session of this computer that is live, an
/// agent Tether set hooks up for, an event that agent has, a payload that is a JSON object. Anything
/// else is refused with an error saying which part is wrong (and counted by the API); a hook for a
/// session that has ended is `gone` (late: an agent still closing), not an error of the agent's.
struct AgentHookReceiver: Sendable {
    let lookup: SessionLookup
    let recorder: SessionRecorder
    let watch: AgentWatch
    let transcripts: AgentTranscriptStore
    let logger: Logger

    func receive(sessionID: String, agent: String, event: String, payload: [UInt8]) async throws {
        guard let kind = AgentLauncher.Kind(rawValue: agent) else {
            throw TetherError(.invalidRequest, "no hooks are set up for agent \(agent); hooks come from claude, gemini or codex")
        }
        let events = Self.events(of: kind)
        guard events.contains(event) else {
            throw TetherError(.invalidRequest, "\(agent) has no hook event \(event); its events are \(events.joined(separator: ", "))")
        }
        let parsed = try AgentHookPayload.parse(payload, eventName: event)
        guard lookup.live(sessionID) != nil else {
            if (try? await lookup.ended(sessionID)) != nil {
                throw TetherError(.gone, "session \(sessionID) has ended; its agent's \(event) hook came late and was dropped")
            }
            throw TetherError(.notFound, "no session \(sessionID) on this computer; a hook names the session its agent runs in")
        }
        logger.debug("agent hook", metadata: ["session.id": "\(sessionID)", "agent.name": "\(agent)", "agent.event": "\(event)"])
        // The transcript's path comes from the agent (SessionStart), never guessed; its own
        // conversation id too, which an agent restart resumes by. Both kept with the row, written
        // only when new (a hook per tool call must not cost a write each).
        let path = parsed.transcriptPath.flatMap { $0.isEmpty ? nil : $0 }
        let native = parsed.agentSessionID.flatMap(Self.conversationID)
        let record = lookup.live(sessionID)?.record
        if (path != nil && record?.nativeLogFile != path) || (native != nil && record?.nativeSessionID != native) {
            try await recorder.update(sessionID) {
                if let path { $0.nativeLogFile = path }
                if let native { $0.nativeSessionID = native }
            }
        }
        // The turn's final text, for a transcript read before the agent's file has it.
        if parsed.event == .stop, let text = parsed.lastAssistantMessage, !text.isEmpty {
            transcripts.turnEnded(sessionID, text: text)
        }
        await watch.hook(sessionID, parsed)
    }

    /// The longest agent conversation id kept: the CLIs use UUIDs (36 characters); anything much
    /// longer is not one, and it is typed into a shell on a restart.
    static let maximumConversationIDLength = 128

    /// `id` when it looks like an agent's conversation id (letters, digits, `-`, `_`, `.`, `:`, of a
    /// bounded length); nil otherwise, so a malformed payload never puts odd text on the resume line.
    static func conversationID(_ id: String) -> String? {
        guard !id.isEmpty, id.count <= maximumConversationIDLength,
              id.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "-_.:".unicodeScalars.contains($0)) })
        else { return nil }
        return id
    }

    static func events(of kind: AgentLauncher.Kind) -> [String] {
        switch kind {
        case .claude: AgentLauncher.claudeEvents
        case .gemini: AgentLauncher.geminiEvents
        case .codex: [AgentLauncher.codexEvent]
        }
    }
}
