/// `POST /sessions` (PROTOCOL.md §5 CreateSession, with Tether's `shell` and `command`), as a client sends it.
public struct CreateSessionRequest: Sendable, Equatable, Codable {
    public var computer: String
    public var projectDirectory: String
    public var agent: String?
    public var thinkingMode: String?
    public var title: String?
    public var message: String?
    /// A plain shell, no agent.
    public var shell: Bool?
    /// A command typed into the shell as its first line.
    public var command: String?

    public init(computer: String, projectDirectory: String, agent: String? = nil, thinkingMode: String? = nil, title: String? = nil,
                message: String? = nil, shell: Bool? = nil, command: String? = nil) {
        self.computer = computer
        self.projectDirectory = projectDirectory
        self.agent = agent
        self.thinkingMode = thinkingMode
        self.title = title
        self.message = message
        self.shell = shell
        self.command = command
    }

    public enum CodingKeys: String, CodingKey {
        case computer
        case projectDirectory = "project_dir"
        case agent
        case thinkingMode = "thinking_mode"
        case title, message, shell, command
    }
}

/// `POST /sessions/{id}/message`: `{message}`.
public struct MessageRequest: Sendable, Equatable, Codable {
    public var message: String
    public init(message: String) { self.message = message }
}

/// `POST /sessions/{id}/keys`: `{keys, count}`.
public struct KeysRequest: Sendable, Equatable, Codable {
    public var keys: [String]
    public var count: Int
    public init(keys: [String], count: Int = 1) {
        self.keys = keys
        self.count = count
    }
}
