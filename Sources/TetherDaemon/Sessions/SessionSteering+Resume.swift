extension SessionSteering {
    /// The arguments that make an agent CLI of `kind` pick up a conversation: its own id for it
    /// (`nativeSessionID`, from the session's hooks) when known, so two sessions in one directory
    /// never swap conversations; else the CLI's "most recent in this directory".
    ///
    /// | kind | by id | without one |
    /// |---|---|---|
    /// | Claude Code | `--resume <id>` | `--continue` |
    /// | Gemini CLI | `--resume <id>` | `--resume latest` |
    /// | Codex CLI | `resume <id>` | `resume --last` |
    ///
    /// Keyed by the CLI the command runs, not the agent's name, so `opus: claude --model opus` resumes as Claude.
    static func resumeArguments(kind: AgentLauncher.Kind, nativeSessionID: String?) -> String {
        let id = nativeSessionID.flatMap { $0.isEmpty ? nil : SessionInputSender.shellQuote($0) }
        return switch kind {
        case .claude: id.map { "--resume " + $0 } ?? "--continue"
        case .gemini: "--resume " + (id ?? "latest")
        case .codex: "resume " + (id ?? "--last")
        }
    }
}
