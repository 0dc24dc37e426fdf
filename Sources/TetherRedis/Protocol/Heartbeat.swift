import TetherCore

/// The value of `computer:{name}:heartbeat` (PROTOCOL.md §1):
/// `{"computer_name", "last_seen", "interested_in" (omitted when empty), "projects_digest"}`.
public struct Heartbeat: Sendable, Equatable {
    public var computerName: String
    /// Nil when a peer's stamp is missing or unreadable (the key's presence is what means online);
    /// a writer always sets it (nil would be written as the epoch).
    public var lastSeen: Timestamp?
    /// Topics this computer's clients want (`sessions`, `projects`, `todos`, `preparation`).
    public var interestedIn: [String]
    /// SHA-256 hex of the sorted, newline-joined trusted-dir paths; nil from a baseline peer.
    public var projectsDigest: String?
    /// `tether_info`, a Tether daemon's addition: what `get_computer_info` answers (`{user, role,
    /// host, system_stats}`), so Tether peers learn it with the heartbeat they read anyway instead
    /// of one request per peer. Python peers ignore the key. Nil from a Python peer.
    public var info: JSONValue?

    public init(computerName: String, lastSeen: Timestamp?, interestedIn: [String] = [], projectsDigest: String? = nil,
                info: JSONValue? = nil) {
        self.computerName = computerName
        self.lastSeen = lastSeen
        self.interestedIn = interestedIn
        self.projectsDigest = projectsDigest
        self.info = info
    }

    /// The key of ``info``.
    public static let infoKey = "tether_info"

    /// Whether this computer wants `session_events` pushed to it.
    public var wantsSessions: Bool { interestedIn.contains("sessions") }

    /// The JSON to `SETEX`. The name must be valid: one heartbeat without a usable `computer_name`
    /// breaks a Python peer's whole discovery, so none is ever written.
    public func encoded() throws(RedisProtocolError) -> [UInt8] {
        _ = try ComputerName.validated(computerName)
        var json = JSONWriter()
        json.beginObject()
        json.member("computer_name", computerName)
        json.member("last_seen", (lastSeen ?? Timestamp(microseconds: 0)).iso8601)
        if !interestedIn.isEmpty {
            json.key("interested_in")
            json.beginArray()
            for topic in interestedIn { json.string(topic) }
            json.endArray()
        }
        if let projectsDigest { json.member("projects_digest", projectsDigest) }
        if let info {
            json.key(Self.infoKey)
            info.write(to: &json)
        }
        json.endObject()
        return json.bytes
    }

    /// Reads a peer's heartbeat: JSON object with a valid `computer_name` required; a bad
    /// `last_seen`, non-string topics or a non-string digest are dropped, not fatal.
    public init(decoding bytes: [UInt8]) throws(RedisProtocolError) {
        guard bytes.count <= StreamEntryLimits.maximumMetadataBytes else {
            throw RedisProtocolError(.fieldTooLong, field: "heartbeat",
                                     "A heartbeat of \(bytes.count) bytes exceeds the \(StreamEntryLimits.maximumMetadataBytes) allowed.")
        }
        guard case .object(let members)? = try? JSONValue(parsing: bytes) else {
            throw RedisProtocolError(.invalidJSON, field: "heartbeat",
                                     "A heartbeat must be a JSON object (PROTOCOL.md §1); the peer must rewrite its heartbeat key.")
        }
        guard let name = members["computer_name"]?.stringValue else {
            throw RedisProtocolError(.missingField, field: "computer_name", "A heartbeat needs a string 'computer_name' (PROTOCOL.md §1).")
        }
        computerName = try ComputerName.validated(name)
        lastSeen = members["last_seen"]?.stringValue.flatMap { Timestamp(iso8601: $0) }
        if case .array(let topics)? = members["interested_in"] {
            interestedIn = topics.compactMap(\.stringValue)
        } else {
            interestedIn = []
        }
        projectsDigest = members["projects_digest"]?.stringValue
        if case .object? = members[Self.infoKey] { info = members[Self.infoKey] } else { info = nil }
    }

    /// `projects_digest` of trusted-dir paths (the caller keeps only those that exist): sorted by
    /// code point as Python's `sorted` does, joined by newlines, SHA-256 hex.
    public static func projectsDigest(of paths: [String]) -> String {
        let sorted = paths.map { Array($0.utf8) }.sorted { $0.lexicographicallyPrecedes($1) }
        return SHA256.hexDigest(Array(sorted.joined(separator: [0x0A])))
    }
}
