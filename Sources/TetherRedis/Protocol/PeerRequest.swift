import TetherCore

/// A request entry of `messages:{computer}` (PROTOCOL.md §2): a command for this computer from
/// `initiator`, answered on `output:{entry id}`.
public struct PeerRequest: Sendable, Equatable {
    /// The command text as sent (§3); ``words`` splits it.
    public var command: String
    /// `str(time.time())` of the sender: informational only.
    public var timestamp: String?
    /// The sending computer; `new_session` makes it the session's `target_computer`.
    public var initiator: String
    public var sessionID: String?
    /// Sent by Python peers with `new_session`, ignored by them (and by Tether).
    public var title: String?
    public var projectDirectory: String?
    public var channelMetadata: ChannelMetadata?
    /// Run after `new_session`; parse with ``AutoCommand/init(parsing:)``.
    public var autoCommand: String?

    public init(command: String, timestamp: String? = nil, initiator: String, sessionID: String? = nil, title: String? = nil,
                projectDirectory: String? = nil, channelMetadata: ChannelMetadata? = nil, autoCommand: String? = nil) {
        self.command = command
        self.timestamp = timestamp
        self.initiator = initiator
        self.sessionID = sessionID
        self.title = title
        self.projectDirectory = projectDirectory
        self.channelMetadata = channelMetadata
        self.autoCommand = autoCommand
    }

    /// A request for `command` from this computer, stamped `time` as `str(time.time())`.
    public init(_ command: PeerCommand, from initiator: String, sessionID: String? = nil, at time: Timestamp,
                projectDirectory: String? = nil, channelMetadata: ChannelMetadata? = nil, autoCommand: AutoCommand? = nil) {
        self.init(command: command.commandLine, timestamp: time.pythonEpochText, initiator: initiator, sessionID: sessionID,
                  projectDirectory: projectDirectory, channelMetadata: channelMetadata, autoCommand: autoCommand?.text)
    }

    /// The field names, in the order the Python daemon's `send_request` writes them.
    public enum Field: String, CaseIterable, Sendable {
        case command, timestamp, initiator
        case sessionID = "session_id"
        case title
        case projectDirectory = "project_dir"
        case channelMetadata = "channel_metadata"
        case autoCommand = "auto_command"
    }

    /// Reads a request entry; refuses one without `command` or `initiator`, with a field that is
    /// not UTF-8 or too long, or with `channel_metadata` that is not a JSON object.
    public init(fields: StreamFields) throws(RedisProtocolError) {
        let kind = "request"
        command = try fields.requiredText(Field.command.rawValue, limit: StreamEntryLimits.maximumCommandBytes, kind: kind)
        timestamp = try fields.text(Field.timestamp.rawValue)
        // The initiator becomes a key name (`messages:{initiator}` for notifications), so it must be a computer name.
        initiator = try ComputerName.validated(try fields.requiredText(Field.initiator.rawValue, kind: kind), field: Field.initiator.rawValue)
        sessionID = try fields.text(Field.sessionID.rawValue)
        title = try fields.text(Field.title.rawValue)
        projectDirectory = try fields.text(Field.projectDirectory.rawValue)
        channelMetadata = try fields.jsonObject(Field.channelMetadata.rawValue).map { members throws(RedisProtocolError) in
            try ChannelMetadata(members: members)
        }
        autoCommand = try fields.text(Field.autoCommand.rawValue, limit: StreamEntryLimits.maximumCommandBytes)
    }

    /// The command's name and arguments; nil when the text holds no words (the Python daemon then
    /// writes no reply).
    public var words: CommandWords? { CommandWords(parsing: command) }

    /// The entry's fields for `XADD messages:{target}`, in the Python daemon's order, absent and
    /// empty ones left out.
    public var fields: [(field: String, value: [UInt8])] {
        StreamFields.ordered([
            (Field.command.rawValue, command),
            (Field.timestamp.rawValue, timestamp),
            (Field.initiator.rawValue, initiator),
            (Field.sessionID.rawValue, sessionID),
            (Field.title.rawValue, title),
            (Field.projectDirectory.rawValue, projectDirectory),
            (Field.channelMetadata.rawValue, channelMetadata.flatMap { $0.isEmpty ? nil : $0.jsonText }),
            (Field.autoCommand.rawValue, autoCommand),
        ])
    }
}

/// A system entry of `messages:{computer}` (`type=system`): `deploy`, `health_check` or another
/// name; never answered.
public struct SystemEntry: Sendable, Equatable {
    public var command: String
    public var timestamp: String?
    public var fromComputer: String?
    /// The `args` object (unused at the baseline).
    public var arguments: [String: JSONValue]?

    public init(command: String, timestamp: String? = nil, fromComputer: String?, arguments: [String: JSONValue]? = nil) {
        self.command = command
        self.timestamp = timestamp
        self.fromComputer = fromComputer
        self.arguments = arguments
    }

    public static let typeValue = "system"
    public static let deploy = "deploy"
    public static let healthCheck = "health_check"

    public init(fields: StreamFields) throws(RedisProtocolError) {
        command = ShellWords.pythonStrip(try fields.requiredText("command", kind: "system"))
        timestamp = try fields.text("timestamp")
        fromComputer = try fields.text("from_computer")
        arguments = try fields.jsonObject("args")
    }

    /// `type`, `command`, `timestamp`, `from_computer`, `args`, in that order.
    public var fields: [(field: String, value: [UInt8])] {
        StreamFields.ordered([
            ("type", Self.typeValue), ("command", command), ("timestamp", timestamp), ("from_computer", fromComputer),
            ("args", arguments.map { String(decoding: JSONValue.object($0).jsonBytes, as: UTF8.self) }),
        ])
    }
}

/// One entry of `messages:{computer}`.
public enum MessageEntry: Sendable, Equatable {
    case request(PeerRequest)
    case system(SystemEntry)

    /// A `type` of `system` makes a system entry; anything else (the field is absent in requests)
    /// a request.
    public init(fields: StreamFields) throws(RedisProtocolError) {
        if try fields.text("type") == SystemEntry.typeValue {
            self = .system(try SystemEntry(fields: fields))
        } else {
            self = .request(try PeerRequest(fields: fields))
        }
    }
}
