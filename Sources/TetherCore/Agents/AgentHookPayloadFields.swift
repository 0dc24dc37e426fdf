/// The hook JSON as decoded: every field optional and read leniently (a field of the wrong type is
/// absent), so only a payload that is not a JSON object is refused.
struct AgentHookPayloadFields: Decodable {
    /// One question of Claude's AskUserQuestion `tool_input.questions`.
    struct Question: Decodable {
        struct Option: Decodable { let label: String }
        let question: String?
        let options: [Option]

        var prompt: AgentPrompt? {
            guard !options.isEmpty else { return nil }
            let choices = options.enumerated().map { AgentChoice(number: $0.offset + 1, label: $0.element.label) }
            return AgentPrompt(question: question, choices: choices, source: .hook)
        }
    }

    struct ToolInput: Decodable { let questions: [Question]? }

    enum CodingKeys: String, CodingKey {
        case sessionID = "session_id", transcriptPath = "transcript_path", cwd, hookEventName = "hook_event_name"
        case notificationType = "notification_type", message, lastAssistantMessage = "last_assistant_message"
        case toolName = "tool_name", toolInput = "tool_input"
        case type, threadID = "thread-id", turnID = "turn-id", inputMessages = "input-messages", codexLastAssistantMessage = "last-assistant-message"
        case promptResponse = "prompt_response"
    }

    let sessionID, transcriptPath, cwd, hookEventName, notificationType, message, lastAssistantMessage, toolName: String?
    /// Codex's notify payload: `thread-id` is its conversation's id (what `codex resume <id>` takes).
    let type, threadID, turnID, codexLastAssistantMessage: String?
    /// Gemini's AfterAgent: the turn's final text.
    let promptResponse: String?
    let inputMessages: [String]?
    let questions: [Question]?

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func string(_ key: CodingKeys) -> String? { (try? container.decodeIfPresent(String.self, forKey: key)) ?? nil }
        sessionID = string(.sessionID)
        transcriptPath = string(.transcriptPath)
        cwd = string(.cwd)
        hookEventName = string(.hookEventName)
        notificationType = string(.notificationType)
        message = string(.message)
        lastAssistantMessage = string(.lastAssistantMessage)
        toolName = string(.toolName)
        type = string(.type)
        threadID = string(.threadID)
        turnID = string(.turnID)
        codexLastAssistantMessage = string(.codexLastAssistantMessage)
        promptResponse = string(.promptResponse)
        inputMessages = (try? container.decodeIfPresent([String].self, forKey: .inputMessages)) ?? nil
        questions = ((try? container.decodeIfPresent(ToolInput.self, forKey: .toolInput)) ?? nil)?.questions
    }
}
