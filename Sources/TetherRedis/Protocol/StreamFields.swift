import TetherCore

/// The bounds on the fields of a stream entry: a peer cannot make the daemon decode, keep or log
/// more than these. A field over its bound is refused, never cut (a cut command could mean another).
public enum StreamEntryLimits {
    /// `command` and `auto_command`: a `message` carries pasted text, so room for a large prompt
    /// (1 MiB is far beyond what a person types, far below what would strain the daemon).
    public static let maximumCommandBytes = 1 << 20
    /// `channel_metadata`, `args` and a heartbeat: a handful of short keys, so 64 KiB is generous.
    public static let maximumMetadataBytes = 64 << 10
    /// Names, ids, stamps and paths: 4 KiB is Linux's `PATH_MAX`, the longest of them.
    public static let maximumTextBytes = 4 << 10
    /// A reply `chunk` or event `payload`: a `list_sessions` of many sessions or a transcript tail.
    public static let maximumChunkBytes = 16 << 20
}

/// The fields of one stream entry as Redis returns them: names as text, values as bytes.
/// A name given twice keeps its last value, as redis-py's dict does.
public struct StreamFields: Sendable, Equatable {
    public private(set) var values: [String: [UInt8]]

    public init(_ pairs: [(field: String, value: [UInt8])]) {
        var values: [String: [UInt8]] = [:]
        for pair in pairs { values[pair.field] = pair.value }
        self.values = values
    }

    public init(_ values: [String: [UInt8]]) { self.values = values }

    /// Text fields, for tests and for building entries to send.
    public init(text: [String: String]) { values = text.mapValues { Array($0.utf8) } }

    /// The field as text; nil when absent or empty ("empty counts as absent").
    public func text(_ field: String, limit: Int = StreamEntryLimits.maximumTextBytes) throws(RedisProtocolError) -> String? {
        guard let bytes = values[field], !bytes.isEmpty else { return nil }
        guard bytes.count <= limit else {
            throw RedisProtocolError(.fieldTooLong, field: field,
                                     "Field '\(field)' holds \(bytes.count) bytes, more than the \(limit) allowed; send it shorter.")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw RedisProtocolError(.invalidUTF8, field: field, "Field '\(field)' is not valid UTF-8; send text encoded as UTF-8.")
        }
        return text
    }

    /// The field as text, or an error naming it when absent or empty.
    public func requiredText(_ field: String, limit: Int = StreamEntryLimits.maximumTextBytes,
                             kind: String) throws(RedisProtocolError) -> String {
        guard let text = try text(field, limit: limit) else {
            throw RedisProtocolError(.missingField, field: field,
                                     "A \(kind) entry needs a non-empty '\(field)' field; add it (PROTOCOL.md §2).")
        }
        return text
    }

    /// The field as a JSON object; nil when absent or empty.
    public func jsonObject(_ field: String, limit: Int = StreamEntryLimits.maximumMetadataBytes) throws(RedisProtocolError) -> [String: JSONValue]? {
        guard let text = try text(field, limit: limit) else { return nil }
        guard case .object(let members)? = try? JSONValue(parsing: Array(text.utf8)) else {
            throw RedisProtocolError(.invalidJSON, field: field,
                                     "Field '\(field)' must hold a JSON object (json.dumps of a dict); it does not.")
        }
        return members
    }

    /// These fields in the order given, empty values left out: what `XADD` is called with.
    static func ordered(_ pairs: [(String, String?)]) -> [(field: String, value: [UInt8])] {
        pairs.compactMap { name, value in
            guard let value, !value.isEmpty else { return nil }
            return (field: name, value: Array(value.utf8))
        }
    }
}
