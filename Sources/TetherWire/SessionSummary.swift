/// The session summary, every wire session dict (PROTOCOL.md §7): the Python daemon's 13 keys,
/// then `computer`, then Tether's additions (Python readers ignore keys they do not know).
///
/// The daemon writes it once per session version and splices the bytes (see `Session.summaryJSON`);
/// clients decode it with `JSONDecoder`. Keys absent from an older or Python peer's summary decode
/// as nil.
public struct SessionSummary: Sendable, Equatable {
    public var sessionID: String
    public var originAdapter: String?
    public var title: String?
    public var workingDirectory: String?
    /// `slow` when the session has none, as the Python daemon sends.
    public var thinkingMode: String
    public var activeAgent: String?
    /// `creating`, `active`, `idle`, `exited` or `closed` (the Python daemon: always `active`).
    public var status: String
    /// ISO 8601 UTC, Python's `isoformat()`.
    public var createdAt: String?
    public var lastActivity: String?
    public var lastInput: String?
    public var lastOutput: String?
    public var tmuxSessionName: String?
    public var initiatorSessionID: String?
    public var computer: String?
    public var exitStatus: Int?
    public var exitReason: String?
    public var cpuSeconds: Double?
    public var memoryBytes: Int?
    /// What its agent is doing (`starting`, `working`, `idle`, `needs_input`); absent for a session
    /// that runs no agent Tether launched, and in Python summaries.
    public var agentState: String?
    /// While `needs_input`: what the open dialog asks (``AgentPrompt``).
    public var prompt: AgentPrompt?

    /// What a session without a thinking mode reports.
    public static let defaultThinkingMode = "slow"
    /// What a summary without a status means: the Python daemon's only one.
    public static let defaultStatus = "active"

    public init(sessionID: String, originAdapter: String? = nil, title: String? = nil, workingDirectory: String? = nil,
                thinkingMode: String? = nil, activeAgent: String? = nil, status: String = defaultStatus,
                createdAt: String? = nil, lastActivity: String? = nil, lastInput: String? = nil, lastOutput: String? = nil,
                tmuxSessionName: String? = nil, initiatorSessionID: String? = nil, computer: String? = nil,
                exitStatus: Int? = nil, exitReason: String? = nil, cpuSeconds: Double? = nil, memoryBytes: Int? = nil) {
        self.sessionID = sessionID
        self.originAdapter = originAdapter
        self.title = title
        self.workingDirectory = workingDirectory
        self.thinkingMode = thinkingMode ?? Self.defaultThinkingMode
        self.activeAgent = activeAgent
        self.status = status
        self.createdAt = createdAt
        self.lastActivity = lastActivity
        self.lastInput = lastInput
        self.lastOutput = lastOutput
        self.tmuxSessionName = tmuxSessionName
        self.initiatorSessionID = initiatorSessionID
        self.computer = computer
        self.exitStatus = exitStatus
        self.exitReason = exitReason
        self.cpuSeconds = cpuSeconds
        self.memoryBytes = memoryBytes
    }
}

extension SessionSummary: WireCodable {
    /// In wire order.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case sessionID = "session_id"
        case originAdapter = "origin_adapter"
        case title
        case workingDirectory = "working_directory"
        case thinkingMode = "thinking_mode"
        case activeAgent = "active_agent"
        case status
        case createdAt = "created_at"
        case lastActivity = "last_activity"
        case lastInput = "last_input"
        case lastOutput = "last_output"
        case tmuxSessionName = "tmux_session_name"
        case initiatorSessionID = "initiator_session_id"
        case computer
        case exitStatus = "exit_status"
        case exitReason = "exit_reason"
        case cpuSeconds = "cpu_seconds"
        case memoryBytes = "memory_bytes"
        case agentState = "agent_state"
        case prompt
    }

    /// Every key, in ``CodingKeys`` order, nil as `null`; CPU seconds to 2 decimals.
    public func write(to json: inout JSONWriter) {
        json.beginObject()
        json.member(CodingKeys.sessionID, sessionID)
        json.member(CodingKeys.originAdapter, originAdapter)
        json.member(CodingKeys.title, title)
        json.member(CodingKeys.workingDirectory, workingDirectory)
        json.member(CodingKeys.thinkingMode, thinkingMode)
        json.member(CodingKeys.activeAgent, activeAgent)
        json.member(CodingKeys.status, status)
        json.member(CodingKeys.createdAt, createdAt)
        json.member(CodingKeys.lastActivity, lastActivity)
        json.member(CodingKeys.lastInput, lastInput)
        json.member(CodingKeys.lastOutput, lastOutput)
        json.member(CodingKeys.tmuxSessionName, tmuxSessionName)
        json.member(CodingKeys.initiatorSessionID, initiatorSessionID)
        json.member(CodingKeys.computer, computer)
        json.member(CodingKeys.exitStatus, exitStatus)
        json.member(CodingKeys.exitReason, exitReason)
        json.member(CodingKeys.cpuSeconds, cpuSeconds.map { $0.rounded(toPlaces: 2) })
        json.member(CodingKeys.memoryBytes, memoryBytes)
        if let agentState {
            json.member(CodingKeys.agentState, agentState)
            json.key(CodingKeys.prompt.rawValue)
            if let prompt { prompt.write(to: &json) } else { json.null() }
        }
        json.endObject()
    }

    public init(from decoder: any Decoder) throws {
        let values = try decoder.container(keyedBy: CodingKeys.self)
        func text(_ key: CodingKeys) throws -> String? { try values.decodeIfPresent(String.self, forKey: key) }
        self.init(sessionID: try values.decode(String.self, forKey: .sessionID), originAdapter: try text(.originAdapter),
                  title: try text(.title), workingDirectory: try text(.workingDirectory), thinkingMode: try text(.thinkingMode),
                  activeAgent: try text(.activeAgent), status: try text(.status) ?? Self.defaultStatus,
                  createdAt: try text(.createdAt), lastActivity: try text(.lastActivity), lastInput: try text(.lastInput),
                  lastOutput: try text(.lastOutput), tmuxSessionName: try text(.tmuxSessionName),
                  initiatorSessionID: try text(.initiatorSessionID), computer: try text(.computer),
                  exitStatus: try values.decodeIfPresent(Int.self, forKey: .exitStatus), exitReason: try text(.exitReason),
                  cpuSeconds: try values.decodeIfPresent(Double.self, forKey: .cpuSeconds),
                  memoryBytes: try values.decodeIfPresent(Int.self, forKey: .memoryBytes))
        agentState = try text(.agentState)
        prompt = try? values.decodeIfPresent(AgentPrompt.self, forKey: .prompt)
    }
}
