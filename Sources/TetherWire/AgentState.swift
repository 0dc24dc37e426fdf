/// What an agent is doing, as the session summary's `agent_state` carries it (the raw values are
/// the wire strings).
public enum AgentState: String, Sendable, Codable, CaseIterable {
    /// Launched; neither a hook nor the screen has said anything yet.
    case starting
    /// In a turn: thinking, running a tool, writing.
    case working
    /// Its turn is over; it waits at its input prompt.
    case idle
    /// A question or a permission dialog is open; ``AgentStatus/prompt`` says which.
    case needsInput = "needs_input"
}

/// An agent's state as the session summary shows it, plus the turn count for one notice per turn.
///
/// Wire shape (extra summary fields, ignored by Python readers):
/// `"agent_state": "needs_input", "prompt": {"question": "Do you want to make this edit to test.txt?",
/// "choices": [{"number": 1, "label": "Yes"}, …], "source": "screen"}`; `prompt` is `null` unless
/// `agent_state` is `needs_input` (and may be null then, before anything says what is asked).
public struct AgentStatus: Sendable, Equatable {
    /// `agent_state` on the wire.
    public var state: AgentState
    /// What the open dialog asks; nil unless ``state`` is `needsInput`.
    public var prompt: AgentPrompt?
    /// Turns ended since the session began (a move into `idle` from `working` or `needs_input`):
    /// not on the wire; a notice sender compares it to send one notice per turn.
    public var turn: Int

    public init(state: AgentState = .starting, prompt: AgentPrompt? = nil, turn: Int = 0) {
        self.state = state
        self.prompt = prompt
        self.turn = turn
    }

    /// Writes the `agent_state` and `prompt` members into the object `json` is writing.
    public func writeMembers(to json: inout JSONWriter) {
        json.member("agent_state", state.rawValue)
        json.key("prompt")
        if let prompt { prompt.write(to: &json) } else { json.null() }
    }
}
