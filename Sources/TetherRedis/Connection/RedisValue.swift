/// One Redis reply, copied out of hiredis so its memory can be freed at once.
public enum RedisValue: Sendable, Equatable {
    /// A simple-string reply such as `OK` or `PONG`.
    case status(String)
    /// An error reply; commands surface it as a ``RedisError`` with code `.server`.
    case error(String)
    /// An integer reply.
    case integer(Int64)
    /// A bulk string: bytes, not necessarily UTF-8.
    case bulk([UInt8])
    /// The null bulk string or null array.
    case null
    /// An array reply: elements of any kind, nested.
    case array([RedisValue])

    /// The bulk string or status as UTF-8 text (invalid bytes replaced); nil for other kinds.
    public var string: String? {
        switch self {
        case .bulk(let bytes): String(decoding: bytes, as: UTF8.self)
        case .status(let text): text
        default: nil
        }
    }

    /// The bytes of a bulk string or status; nil for other kinds.
    public var bytes: [UInt8]? {
        switch self {
        case .bulk(let bytes): bytes
        case .status(let text): Array(text.utf8)
        default: nil
        }
    }

    /// The integer, or a bulk string that spells one (Redis sends some numbers as text).
    public var integer: Int64? {
        switch self {
        case .integer(let value): value
        case .bulk, .status: string.flatMap { Int64($0) }
        default: nil
        }
    }

    /// The elements of an array reply; nil for other kinds (an empty array is `[]`).
    public var array: [RedisValue]? {
        if case .array(let elements) = self { elements } else { nil }
    }

    /// True for the null reply.
    public var isNull: Bool { self == .null }
}
