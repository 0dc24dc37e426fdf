import Foundation

/// The useful part of one hook call's JSON: which event, and what it tells beyond the state.
///
/// Claude Code and Gemini CLI send an object with `session_id`, `transcript_path`, `cwd`,
/// `hook_event_name`, `notification_type`, `message`, `last_assistant_message` (Gemini's
/// AfterAgent: `prompt_response`), `tool_name` and `tool_input`; Codex's notify sends `type`
/// (`agent-turn-complete`), `turn-id`, `input-messages` and `last-assistant-message`. Unknown fields
/// are ignored, and so is a known field of an unexpected type (an agent's newer shape must not cost
/// the event).
public struct AgentHookPayload: Sendable, Equatable {
    /// The largest payload read: a hook's JSON holds a few messages and a tool's input; a huge one
    /// (a whole file written by a tool) is refused so a hook storm cannot hold much memory.
    public static let maximumBytes = 256 * 1024

    public var event: AgentHookEvent
    /// The agent's own conversation id (not Tether's session id).
    public var agentSessionID: String?
    /// Where the agent writes its transcript (SessionStart and later events).
    public var transcriptPath: String?
    public var cwd: String?
    /// The notification's text (`Claude needs your permission to use Bash`).
    public var message: String?
    /// The turn's final text, which may arrive before the transcript file has it.
    public var lastAssistantMessage: String?
    public var notificationType: String?
    public var toolName: String?
    /// Codex's turn id.
    public var turnID: String?
    /// Codex: the user messages of the turn.
    public var inputMessages: [String]
    /// Structured choices (AskUserQuestion's first question), which win over the screen; for
    /// another dialog event, the notification's message with no choices.
    public var prompt: AgentPrompt?

    /// The event's effect, `needsInput` for a tool call that carries structured choices.
    public var effect: AgentHookEffect {
        if prompt?.choices.isEmpty == false, event == .preToolUse || event == .permissionRequest { return .needsInput }
        return event.effect
    }

    /// Reads one hook call's `bytes`; `eventName` (from `tether hook <agent> <event>`) names the
    /// event when the JSON does not. Throws `invalidRequest` for an oversized, malformed or
    /// nameless payload, saying which.
    public static func parse(_ bytes: [UInt8], eventName: String? = nil) throws(TetherError) -> AgentHookPayload {
        guard bytes.count <= maximumBytes else {
            throw TetherError(.invalidRequest, "hook payload of \(bytes.count) bytes is over the \(maximumBytes)-byte limit; "
                + "the event is dropped (a hook sends its event JSON, not file contents)")
        }
        let raw: AgentHookPayloadFields
        do {
            raw = try JSONDecoder().decode(AgentHookPayloadFields.self, from: Data(bytes))
        } catch {
            throw TetherError(.invalidRequest, "hook payload is not a JSON object (\(bytes.count) bytes); "
                + "a hook must send the agent's event JSON unchanged", underlying: error)
        }
        guard let name = raw.hookEventName ?? raw.type ?? eventName, !name.isEmpty else {
            throw TetherError(.invalidRequest, "hook payload names no event (no hook_event_name or type); "
                + "pass the event name: tether hook <agent> <event>")
        }
        let event = AgentHookEvent(hookName: name, notificationType: raw.notificationType)
        var payload = AgentHookPayload(
            event: event, agentSessionID: raw.sessionID ?? raw.threadID, transcriptPath: raw.transcriptPath, cwd: raw.cwd, message: raw.message,
            lastAssistantMessage: raw.lastAssistantMessage ?? raw.codexLastAssistantMessage ?? raw.promptResponse, notificationType: raw.notificationType,
            toolName: raw.toolName, turnID: raw.turnID, inputMessages: raw.inputMessages ?? [], prompt: raw.questions?.first?.prompt)
        if payload.prompt == nil, payload.effect == .needsInput, let message = raw.message {
            payload.prompt = AgentPrompt(question: message, choices: [], source: .hook)
        }
        return payload
    }
}
