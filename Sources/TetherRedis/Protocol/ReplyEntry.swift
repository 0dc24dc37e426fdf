import TetherCore

/// The one entry a responder writes to `output:{request id}` (PROTOCOL.md §2): `chunk` (the
/// envelope), `timestamp` (`str(time.time())`), `message_id` (the request id) and, fixing §9
/// defect 1, `from_computer`, which Python requesters ignore.
public struct ReplyEntry: Sendable, Equatable {
    public var chunk: [UInt8]
    public var timestamp: String?
    public var messageID: String?
    public var fromComputer: String?

    public init(chunk: [UInt8], timestamp: String?, messageID: String?, fromComputer: String?) {
        self.chunk = chunk
        self.timestamp = timestamp
        self.messageID = messageID
        self.fromComputer = fromComputer
    }

    /// The reply to request `messageID`, stamped `at` by `computer`.
    public init(envelope: [UInt8], answering messageID: String, from computer: String, at time: Timestamp) {
        self.init(chunk: envelope, timestamp: time.pythonEpochText, messageID: messageID, fromComputer: computer)
    }

    /// `chunk`, `timestamp`, `message_id`, `from_computer`.
    public var fields: [(field: String, value: [UInt8])] {
        [(field: "chunk", value: chunk)] + StreamFields.ordered([
            ("timestamp", timestamp), ("message_id", messageID), ("from_computer", fromComputer),
        ])
    }

    /// Reads a reply entry; the chunk is required (a Python requester needs it non-empty).
    public init(fields: StreamFields) throws(RedisProtocolError) {
        guard let chunk = fields.values["chunk"], !chunk.isEmpty else {
            throw RedisProtocolError(.missingField, field: "chunk", "A reply entry needs a non-empty 'chunk' field (PROTOCOL.md §2).")
        }
        self.chunk = chunk
        timestamp = try fields.text("timestamp")
        messageID = try fields.text("message_id")
        fromComputer = try fields.text("from_computer")
    }

    /// The envelope in ``chunk``.
    public func reply() throws(RedisProtocolError) -> PeerReply { try PeerReply(chunk: chunk) }
}
