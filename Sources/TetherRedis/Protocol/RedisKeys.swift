import TetherCore

/// The names of PROTOCOL.md §1–4's keys and streams, and the wire's fixed figures.
public enum RedisKeys {
    /// `computer:{name}:heartbeat`.
    public static func heartbeat(_ computer: String) -> String { "computer:\(computer):heartbeat" }
    /// What `SCAN … MATCH` looks for to find every heartbeat.
    public static let heartbeatPattern = "computer:*:heartbeat"
    /// The computer a heartbeat key names; nil for a key of another shape.
    public static func computer(fromHeartbeatKey key: String) -> String? {
        let bytes = Array(key.utf8), prefix = Array("computer:".utf8), suffix = Array(":heartbeat".utf8)
        guard bytes.count > prefix.count + suffix.count, bytes.starts(with: prefix), bytes.reversed().starts(with: suffix.reversed())
        else { return nil }
        return String(decoding: bytes[prefix.count..<(bytes.count - suffix.count)], as: UTF8.self)
    }
    /// `messages:{computer}`: requests for that computer.
    public static func messages(_ computer: String) -> String { "messages:\(computer)" }
    /// `output:{request id}`: the one reply to a request.
    public static func reply(to requestID: String) -> String { "output:\(requestID)" }
    /// `session_events:{computer}`: events pushed to that computer.
    public static func sessionEvents(_ computer: String) -> String { "session_events:\(computer)" }
    /// The `system_settings` key under which the Python daemon keeps its `messages:` cursor.
    public static func cursorSetting(_ computer: String) -> String { "redis_last_message_id:\(computer)" }

    /// A heartbeat key lives this long: a computer that stops beating leaves the others' view after it.
    public static let heartbeatTimeToLive: Duration = .seconds(60)
    /// Rewritten this often: half the TTL, so one late beat does not make a computer vanish.
    public static let heartbeatInterval: Duration = .seconds(30)
    /// `MAXLEN ~` of `messages:` and `output:` streams, as the Python daemon trims them.
    public static let messageStreamMaximumLength = 10_000
    /// `MAXLEN ~` of `session_events:` streams: events are a live feed, history is not needed.
    public static let eventStreamMaximumLength = 100
}

/// Computer names: they sit inside key names and space-separated commands (PROTOCOL.md conventions).
public enum ComputerName {
    /// The longest name accepted: far beyond any host name (64 bytes), short enough for a key.
    public static let maximumBytes = 255

    /// `name` if it may be used as a computer name; an error saying why not otherwise.
    public static func validated(_ name: String, field: String = "computer_name") throws(RedisProtocolError) -> String {
        guard !name.isEmpty, name.utf8.count <= maximumBytes else {
            throw RedisProtocolError(.invalidComputerName, field: field,
                                     "A computer name must be 1 to \(maximumBytes) bytes; '\(field)' is \(name.utf8.count).")
        }
        guard !name.unicodeScalars.contains(where: { $0 == ":" || ShellWords.isPythonSpace($0) }) else {
            throw RedisProtocolError(.invalidComputerName, field: field,
                                     "A computer name may hold no ':' and no whitespace (it sits in key names); '\(field)' does.")
        }
        return name
    }
}
