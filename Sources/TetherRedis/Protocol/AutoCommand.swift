import TetherCore

/// A `new_session` request's `auto_command` (PROTOCOL.md §3), run after the session starts:
/// `agent <agent> [mode] [args…]`, `agent_resume <agent>` or `agent_then_message <agent> <mode> <message…>`.
public enum AutoCommand: Sendable, Equatable {
    case startAgent(AgentStart)
    case resumeAgent(PeerAgent)
    case startAgentThenMessage(AgentStart, message: String)

    /// Parses the text with the command grammar (quotes, slashes) of ``CommandWords``.
    public init(parsing text: String) throws(RedisProtocolError) {
        guard let words = CommandWords(parsing: text) else {
            throw RedisProtocolError(.emptyCommand, field: "auto_command", "auto_command holds no words; leave it out or send 'agent <agent> …'.")
        }
        switch words.name {
        case "agent":
            self = .startAgent(try AgentStart(arguments: words.arguments, command: "auto_command agent"))
        case "agent_resume":
            guard let first = words.arguments.first else {
                throw RedisProtocolError(.invalidArguments, field: "auto_command", "auto_command 'agent_resume' needs the agent: claude, gemini or codex.")
            }
            self = .resumeAgent(try PeerAgent(argument: first, command: "auto_command agent_resume"))
        case "agent_then_message":
            guard words.arguments.count >= 3 else {
                throw RedisProtocolError(.invalidArguments, field: "auto_command",
                                         "auto_command 'agent_then_message' needs <agent> <mode> <message…>.")
            }
            let agent = try PeerAgent(argument: words.arguments[0], command: "auto_command agent_then_message")
            guard let mode = ThinkingMode(rawValue: words.arguments[1]) else {
                throw RedisProtocolError(.invalidArguments, field: "auto_command",
                                         "auto_command 'agent_then_message' needs a mode (fast, med, slow or deep) after the agent.")
            }
            let start = AgentStart(agent: agent, mode: mode)
            try start.checkMode(command: "auto_command agent_then_message")
            self = .startAgentThenMessage(start, message: words.arguments.dropFirst(2).joined(separator: " "))
        default:
            throw RedisProtocolError(.invalidArguments, field: "auto_command",
                                     "auto_command must start with agent, agent_resume or agent_then_message; '\(words.name.prefix(40))' is none.")
        }
    }

    /// The text to send, every argument quoted.
    public var text: String {
        switch self {
        case .startAgent(let start): CommandWords(name: "agent", arguments: start.wireArguments).commandLine
        case .resumeAgent(let agent): CommandWords(name: "agent_resume", arguments: [agent.rawValue]).commandLine
        case .startAgentThenMessage(let start, let message):
            CommandWords(name: "agent_then_message", arguments: [start.agent.rawValue, (start.mode ?? .slow).rawValue, message]).commandLine
        }
    }
}

extension PeerAgent {
    /// The agent an argument names, or an error naming the command.
    init(argument: String, command: String) throws(RedisProtocolError) {
        guard let agent = PeerAgent(rawValue: argument) else {
            throw RedisProtocolError(.invalidArguments, field: command,
                                     "\(command): '\(argument.prefix(40))' is not an agent; send claude, gemini or codex.")
        }
        self = agent
    }
}

extension AgentStart {
    /// `<agent> [mode] [args…]`.
    init(arguments: [String], command: String) throws(RedisProtocolError) {
        guard let first = arguments.first else {
            throw RedisProtocolError(.invalidArguments, field: command, "\(command) needs the agent to start: claude, gemini or codex.")
        }
        try self.init(agent: PeerAgent(argument: first, command: command), modeAndArguments: Array(arguments.dropFirst()), command: command)
    }

    /// `[mode] [args…]` after an agent already named (by `agent <agent>` or by `claude`).
    init(agent: PeerAgent, modeAndArguments: [String], command: String) throws(RedisProtocolError) {
        if let word = modeAndArguments.first, let mode = ThinkingMode(rawValue: word) {
            self.init(agent: agent, mode: mode, arguments: Array(modeAndArguments.dropFirst()))
        } else {
            self.init(agent: agent, arguments: modeAndArguments)
        }
        try checkMode(command: command)
    }

    func checkMode(command: String) throws(RedisProtocolError) {
        guard mode == .deep, agent != .codex else { return }
        throw RedisProtocolError(.invalidArguments, field: command,
                                 "\(command): mode 'deep' is for codex only; use fast, med or slow with \(agent.rawValue).")
    }

    /// `<agent> [mode] [args…]` as sent.
    var wireArguments: [String] { [agent.rawValue] + (mode.map { [$0.rawValue] } ?? []) + arguments }
}
