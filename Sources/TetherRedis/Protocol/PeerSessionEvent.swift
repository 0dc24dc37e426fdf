import TetherCore

/// An event of `session_events:{computer}` (PROTOCOL.md §4), the entry's `payload`:
/// `{"event", "data", "timestamp" (ISO), "source_computer"}`.
public enum PeerSessionEvent: Sendable, Equatable {
    /// A session of `source` changed; `summary.computer` is set (from `source_computer` if absent).
    case updated(SessionSummary, source: String, at: Timestamp?)
    case removed(sessionID: String, source: String, at: Timestamp?)
    /// Another event name (`session_created` and any future one): receivers ignore it.
    case ignored(event: String)

    public static let updatedName = "session_updated"
    public static let removedName = "session_removed"
    /// The entry field that holds the payload.
    public static let field = "payload"

    /// The payload to `XADD`. An update's summary gets `computer` = `source` when it lacks one,
    /// since baseline receivers cache it verbatim.
    public static func payload(updated summary: SessionSummary, source: String, at time: Timestamp) -> [UInt8] {
        var summary = summary
        if summary.computer == nil { summary.computer = source }
        return payload(event: updatedName, data: summary, source: source, at: time)
    }

    /// The payload of an update whose summary is already encoded (a session's cached bytes, which
    /// carry `session_id` and `computer`).
    public static func payload(updatedEncoded summary: [UInt8], source: String, at time: Timestamp) -> [UInt8] {
        payload(event: updatedName, data: RawJSON(bytes: summary), source: source, at: time)
    }

    /// `session_removed` with `data` = `{"session_id": …}`.
    public static func payload(removed sessionID: String, source: String, at time: Timestamp) -> [UInt8] {
        payload(event: removedName, data: JSONValue.object(["session_id": .string(sessionID)]), source: source, at: time)
    }

    private static func payload(event: String, data: some WireEncodable, source: String, at time: Timestamp) -> [UInt8] {
        var json = JSONWriter()
        json.beginObject()
        json.member("event", event)
        json.member("data", data)
        json.member("timestamp", time.iso8601)
        json.member("source_computer", source)
        json.endObject()
        return json.bytes
    }

    /// Reads a payload. Unknown event names give ``ignored(event:)``; a payload that is not JSON,
    /// lacks `event` or `source_computer`, or whose `data` lacks `session_id` is an error.
    public init(payload bytes: [UInt8]) throws(RedisProtocolError) {
        guard bytes.count <= StreamEntryLimits.maximumChunkBytes else {
            throw RedisProtocolError(.fieldTooLong, field: Self.field,
                                     "An event payload of \(bytes.count) bytes exceeds the \(StreamEntryLimits.maximumChunkBytes) allowed.")
        }
        guard case .object(let members)? = try? JSONValue(parsing: bytes) else {
            throw RedisProtocolError(.invalidJSON, field: Self.field, "An event payload must be a JSON object (PROTOCOL.md §4).")
        }
        guard let event = members["event"]?.stringValue else {
            throw RedisProtocolError(.missingField, field: "event", "An event payload needs a string 'event' (PROTOCOL.md §4).")
        }
        guard event == Self.updatedName || event == Self.removedName else {
            self = .ignored(event: event)
            return
        }
        guard let sourceName = members["source_computer"]?.stringValue else {
            throw RedisProtocolError(.missingField, field: "source_computer", "A \(event) payload needs a string 'source_computer'.")
        }
        let source = try ComputerName.validated(sourceName, field: "source_computer")
        let time = members["timestamp"]?.stringValue.flatMap { Timestamp(iso8601: $0) }
        guard let data = members["data"], let sessionID = data["session_id"]?.stringValue, !sessionID.isEmpty else {
            throw RedisProtocolError(.missingField, field: "data.session_id", "A \(event) payload needs 'data' with a string 'session_id'.")
        }
        if event == Self.removedName {
            self = .removed(sessionID: sessionID, source: source, at: time)
            return
        }
        guard var summary = try? data.decode(as: SessionSummary.self) else {
            throw RedisProtocolError(.invalidJSON, field: "data",
                                     "A session_updated payload's 'data' must be a session summary (PROTOCOL.md §7).")
        }
        if summary.computer == nil { summary.computer = source }
        self = .updated(summary, source: source, at: time)
    }
}

/// Bytes that already hold one JSON value, spliced as they are.
struct RawJSON: WireEncodable {
    var bytes: [UInt8]
    func write(to json: inout JSONWriter) { json.raw(bytes) }
}
