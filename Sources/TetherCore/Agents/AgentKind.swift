/// The agent CLI a session runs: it picks the screen shapes (``AgentScreenReader``) and the hook
/// names (``AgentHookEvent``) to expect.
public enum AgentKind: String, Sendable, Codable, CaseIterable {
    case claude, gemini, codex
    /// An agent Tether knows no shapes for: the screen is read with every agent's markers.
    case other

    /// The kind of the agent named `name` (a key of the configuration's `agents:`), by prefix, so
    /// an operator's `claude-opus` or `codex2` entry reads as the CLI it runs; nil or an unknown
    /// name is ``other``.
    public init(agentName name: String?) {
        let lowered = name?.lowercased() ?? ""
        self = [AgentKind.claude, .gemini, .codex].first { lowered.hasPrefix($0.rawValue) } ?? .other
    }
}
