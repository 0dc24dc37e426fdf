import TetherCore

/// The JSON of a reply's `chunk` (PROTOCOL.md §2): `{"status":"success","data":…}` or
/// `{"status":"error","error":"…","code":"…"}`.
public enum ReplyEnvelope {
    /// The codes an error envelope carries.
    public enum Code {
        /// The Python daemon's answer for a command without a handler.
        public static let noHandler = "NO_HANDLER"
        /// Tether's answer for an entry it could not read (missing field, bad JSON, bad arguments).
        public static let invalidRequest = "INVALID_REQUEST"
        /// Tether's answer for a session (or other named thing) the computer does not have: a
        /// requester may stop asking, where any other failure may pass.
        public static let notFound = "NOT_FOUND"
    }

    /// The most of an unknown command's name echoed back in a `NO_HANDLER` reply.
    static let echoedNameLimit = 64

    /// `{"status":"success","data":<data>}`.
    public static func success(_ data: some WireEncodable) -> [UInt8] {
        var json = JSONWriter()
        json.beginObject()
        json.member("status", WireStatus.success)
        json.member("data", data)
        json.endObject()
        return json.bytes
    }

    /// `{"status":"success","data":null}`: most session commands' answer.
    public static func success() -> [UInt8] { success(JSONValue.null) }

    /// `{"status":"success","data":<bytes>}` with `data` already encoded (a session's cached summary).
    public static func success(encodedData: [UInt8]) -> [UInt8] {
        var json = JSONWriter(reservingCapacity: encodedData.count + 32)
        json.beginObject()
        json.member("status", WireStatus.success)
        json.key("data")
        json.raw(encodedData)
        json.endObject()
        return json.bytes
    }

    /// `{"status":"error","error":<message>[,"code":<code>]}`; without a code as a failing handler's
    /// answer (§9 defect 3), which Python requesters read as an error.
    public static func failure(_ message: String, code: String? = nil) -> [UInt8] {
        var json = JSONWriter()
        json.beginObject()
        json.member("status", WireStatus.error)
        json.member("error", message)
        if let code { json.member("code", code) }
        json.endObject()
        return json.bytes
    }

    /// The Python daemon's answer to a name it has no handler for.
    public static func noHandler(for name: String) -> [UInt8] {
        // The name is echoed as the Python daemon does, but cut: an entry may carry a huge one.
        failure("No handler registered for event: \(name.prefix(Self.echoedNameLimit))", code: Code.noHandler)
    }

    /// A refused entry, its error's message as the text.
    public static func failure(_ error: RedisProtocolError) -> [UInt8] {
        failure(error.message, code: Code.invalidRequest)
    }
}

/// A peer's answer, read from the `chunk` of its reply entry.
public enum PeerReply: Sendable, Equatable {
    /// `data` as sent (`null` when absent).
    case success(JSONValue)
    case failure(PeerFailure)

    /// Parses a chunk the way a Python requester does: trimmed, JSON, `status` `error` is a failure,
    /// `success` carries `data`; other keys are ignored. Anything else is an error naming the chunk.
    public init(chunk: [UInt8]) throws(RedisProtocolError) {
        guard chunk.count <= StreamEntryLimits.maximumChunkBytes else {
            throw RedisProtocolError(.fieldTooLong, field: "chunk",
                                     "A reply chunk of \(chunk.count) bytes exceeds the \(StreamEntryLimits.maximumChunkBytes) allowed.")
        }
        guard let text = String(validating: chunk, as: UTF8.self) else {
            throw RedisProtocolError(.invalidUTF8, field: "chunk", "A reply chunk is not valid UTF-8; the peer must send UTF-8 JSON.")
        }
        guard case .object(let members)? = try? JSONValue(parsing: Array(ShellWords.pythonStrip(text).utf8)) else {
            throw RedisProtocolError(.invalidEnvelope, field: "chunk",
                                     "A reply chunk is not a JSON object; the peer must send {\"status\": …} (PROTOCOL.md §2).")
        }
        switch members["status"]?.stringValue {
        case WireStatus.success?:
            self = .success(members["data"] ?? .null)
        case WireStatus.error?:
            self = .failure(PeerFailure(message: members["error"]?.stringValue ?? members["message"]?.stringValue
                                            ?? "the peer reported an error without a message",
                                        code: members["code"]?.stringValue))
        default:
            throw RedisProtocolError(.invalidEnvelope, field: "status",
                                     "A reply chunk's 'status' must be \"success\" or \"error\"; the peer sent neither.")
        }
    }

    /// The data decoded as `T`; a failure reply, or data of another shape, throws.
    public func data<T: Decodable>(as type: T.Type) throws -> T {
        switch self {
        case .success(let data): return try data.decode(as: T.self)
        case .failure(let failure): throw failure
        }
    }
}

/// An error envelope from a peer.
public struct PeerFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var code: String?

    public init(message: String, code: String?) {
        self.message = message
        self.code = code
    }

    /// The peer has no handler for the command (a Python peer asked for `end_session`, say).
    public var isNoHandler: Bool { code == ReplyEnvelope.Code.noHandler }

    /// The peer does not have what was named (a Tether peer's `NOT_FOUND`).
    public var isNotFound: Bool { code == ReplyEnvelope.Code.notFound }

    public var description: String { code.map { "\(message) (\($0))" } ?? message }
}
