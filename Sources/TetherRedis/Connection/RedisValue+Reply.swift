import CHiredis

extension RedisValue {
    /// Copies a hiredis reply tree into Swift values; the caller frees the reply right after.
    init(reply: UnsafePointer<redisReply>) {
        let node = reply.pointee
        switch node.type {
        case REDIS_REPLY_STATUS: self = .status(Self.text(node))
        case REDIS_REPLY_ERROR: self = .error(Self.text(node))
        case REDIS_REPLY_INTEGER: self = .integer(Int64(node.integer))
        case REDIS_REPLY_STRING: self = .bulk(Self.bytes(node))
        case REDIS_REPLY_ARRAY:
            var elements: [RedisValue] = []
            elements.reserveCapacity(Int(node.elements))
            for index in 0..<Int(node.elements) {
                if let child = node.element?[index] { elements.append(RedisValue(reply: UnsafePointer(child))) } else { elements.append(.null) }
            }
            self = .array(elements)
        default: self = .null
        }
    }

    private static func bytes(_ node: redisReply) -> [UInt8] {
        guard let pointer = node.str, node.len > 0 else { return [] }
        return pointer.withMemoryRebound(to: UInt8.self, capacity: Int(node.len)) { Array(UnsafeBufferPointer(start: $0, count: Int(node.len))) }
    }

    private static func text(_ node: redisReply) -> String { String(decoding: bytes(node), as: UTF8.self) }
}

extension RedisValue {
    /// Decodes one reply from raw protocol bytes with hiredis's own reader: the conversion above,
    /// testable without a server. Nil when the bytes hold no complete reply or are not RESP.
    static func decoding(_ bytes: [UInt8]) -> RedisValue? {
        guard let reader = redisReaderCreate() else { return nil }
        defer { redisReaderFree(reader) }
        let fed = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { redisReaderFeed(reader, $0.baseAddress, buffer.count) }
        }
        var raw: UnsafeMutableRawPointer?
        guard fed == REDIS_OK, redisReaderGetReply(reader, &raw) == REDIS_OK, let raw else { return nil }
        defer { freeReplyObject(raw) }
        return RedisValue(reply: raw.assumingMemoryBound(to: redisReply.self))
    }
}
