import TetherCore

extension PeerCommand {
    /// The command a request's text names; ``unknown(name:)`` for a name without a handler.
    /// Throws ``RedisProtocolError/Code/emptyCommand`` when the text holds no words (the Python
    /// daemon answers nothing then) and an argument error naming the command otherwise.
    public init(parsing command: String) throws(RedisProtocolError) {
        guard let words = CommandWords(parsing: command) else {
            throw RedisProtocolError(.emptyCommand, field: "command", "The command holds no words; send '/name args…' (PROTOCOL.md §3).")
        }
        try self.init(words: words)
    }

    /// The command of a name and its arguments.
    public init(words: CommandWords) throws(RedisProtocolError) {
        let name = words.name
        let arguments = words.arguments
        let joined = arguments.joined(separator: " ")
        func argument(_ index: Int, _ what: String) throws(RedisProtocolError) -> String {
            guard index < arguments.count, !arguments[index].isEmpty else {
                throw RedisProtocolError(.invalidArguments, field: name, "\(name) needs \(what) as argument \(index + 1).")
            }
            return arguments[index]
        }
        func optionalAgent() throws(RedisProtocolError) -> PeerAgent? {
            guard let first = arguments.first, !first.isEmpty else { return nil }
            return try PeerAgent(argument: first, command: name)
        }
        switch name {
        case "new_session": self = .newSession(description: joined.isEmpty ? "Untitled" : joined)
        case "list_sessions": self = .listSessions
        case "list_projects": self = .listProjects
        case "list_todos": self = .listTodos(projectPath: joined.isEmpty ? nil : joined)
        case "get_computer_info": self = .getComputerInfo
        case "stop_notification":
            let title = arguments.count > 2 && !arguments[2].isEmpty ? try Base64Text.decode(arguments[2], field: "stop_notification title") : nil
            self = .stopNotification(sessionID: try argument(0, "the session id"), sourceComputer: try argument(1, "the source computer"),
                                     title: title)
        case "input_notification":
            self = .inputNotification(sessionID: try argument(0, "the session id"), sourceComputer: try argument(1, "the source computer"),
                                      message: try Base64Text.decode(try argument(2, "the Base64 message"), field: "input_notification message"))
        case "get_session_data": self = .getSessionData(try SessionDataRange(arguments: arguments))
        case "message":
            guard !joined.isEmpty else {
                throw RedisProtocolError(.invalidArguments, field: name, "message needs the text to type, sent as one quoted argument.")
            }
            self = .message(text: joined)
        case "cd":
            self = .changeDirectory(joined.isEmpty ? .listTrusted : joined == DirectoryTarget.defaultDirectoryWords ? .defaultDirectory : .path(joined))
        case "agent": self = .startAgent(try AgentStart(arguments: arguments, command: name))
        case "claude", "gemini", "codex":
            self = .startAgent(try AgentStart(agent: PeerAgent(argument: name, command: name), modeAndArguments: arguments, command: name))
        case "agent_resume": self = .resumeAgent(agent: try optionalAgent())
        case "claude_resume", "gemini_resume", "codex_resume":
            self = .resumeAgent(agent: try PeerAgent(argument: String(name.dropLast("_resume".count)), command: name))
        case "agent_restart": self = .restartAgent(agent: try optionalAgent())
        case "rename":
            guard !joined.isEmpty else { throw RedisProtocolError(.invalidArguments, field: name, "rename needs the new title's words.") }
            self = .rename(words: joined)
        case "end_session": self = .endSession(sessionID: arguments.first.flatMap { $0.isEmpty ? nil : $0 })
        case "session_terminated": self = .sessionTerminated
        case "stop_notifications":
            self = .stopNotifications(sessionID: try argument(0, "the session id"),
                                      callerID: arguments.count > 1 && !arguments[1].isEmpty ? arguments[1] : nil)
        case "watch_screen": self = .watchScreen(leaseSeconds: try Self.leaseSeconds(arguments.first))
        case "answer": self = .answer(choice: try Self.choice(arguments.first))
        default:
            if let key = KeyPress.Key(rawValue: name) {
                self = .key(try KeyPress(key, arguments: arguments))
            } else {
                self = .unknown(name: name)
            }
        }
    }

    /// The name and arguments to send; ``CommandWords/commandLine`` quotes them.
    public var words: CommandWords {
        CommandWords(name: name, arguments: arguments)
    }

    /// The command text for a request's `command` field.
    public var commandLine: String { words.commandLine }

    private var arguments: [String] {
        switch self {
        case .newSession(let description): [description]
        case .listSessions, .listProjects, .getComputerInfo, .sessionTerminated, .unknown: []
        case .listTodos(let path): path.map { [$0] } ?? []
        case .stopNotification(let session, let source, let title): [session, source] + (title.map { [Base64Text.encode($0)] } ?? [])
        case .inputNotification(let session, let source, let message): [session, source, Base64Text.encode(message)]
        case .getSessionData(let range): range.arguments
        case .message(let text): [text]
        case .changeDirectory(.listTrusted): []
        case .changeDirectory(.defaultDirectory): [DirectoryTarget.defaultDirectoryWords]
        case .changeDirectory(.path(let path)): [path]
        case .startAgent(let start): start.wireArguments
        case .resumeAgent(let agent), .restartAgent(let agent): agent.map { [$0.rawValue] } ?? []
        case .key(let press): press.arguments
        case .rename(let words): [words]
        case .endSession(let session): session.map { [$0] } ?? []
        case .stopNotifications(let session, let caller): [session] + (caller.map { [$0] } ?? [])
        case .watchScreen(let seconds): seconds.map { [String($0)] } ?? []
        case .answer(let choice): [String(choice)]
        }
    }

    /// The numbers a dialog's choice can have: the agent CLIs number theirs from 1, and no dialog
    /// has more than a handful (the API takes the same range).
    public static let choiceRange = 1...99

    /// `answer`'s choice: a whole number in ``choiceRange``.
    private static func choice(_ argument: String?) throws(RedisProtocolError) -> Int {
        guard let argument, !argument.isEmpty else {
            throw RedisProtocolError(.invalidArguments, field: "answer", "answer needs the choice's number (\(choiceRange.lowerBound) to \(choiceRange.upperBound)) as argument 1.")
        }
        guard let choice = Int(argument), choiceRange.contains(choice) else {
            throw RedisProtocolError(.invalidArguments, field: "answer",
                                     "answer takes the choice's number, a whole number from \(choiceRange.lowerBound) to \(choiceRange.upperBound); '\(argument.prefix(32))' is not one.")
        }
        return choice
    }

    /// `watch_screen`'s lease: absent or empty for the default, else whole seconds, 0 or more.
    private static func leaseSeconds(_ argument: String?) throws(RedisProtocolError) -> Int? {
        guard let argument, !argument.isEmpty else { return nil }
        guard let seconds = Int(argument), seconds >= 0 else {
            throw RedisProtocolError(.invalidArguments, field: "watch_screen",
                                     "watch_screen takes the lease in whole seconds (0 releases it); '\(argument.prefix(32))' is not one.")
        }
        return seconds
    }
}
