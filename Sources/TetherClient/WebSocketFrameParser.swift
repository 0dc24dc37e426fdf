/// One WebSocket frame as the server sent it (RFC 6455 §5.2).
public struct WebSocketFrame: Sendable, Equatable {
    public var final: Bool
    public var opcode: UInt8
    public var payload: [UInt8]

    public static let continuation: UInt8 = 0x0
    public static let text: UInt8 = 0x1
    public static let binary: UInt8 = 0x2
    public static let close: UInt8 = 0x8
    public static let ping: UInt8 = 0x9
    public static let pong: UInt8 = 0xA

    public init(final: Bool = true, opcode: UInt8, payload: [UInt8]) {
        self.final = final
        self.opcode = opcode
        self.payload = payload
    }

    /// Whether this is a control frame (close, ping, pong): never fragmented, at most 125 bytes.
    public var isControl: Bool { opcode & 0x8 != 0 }
}

/// Cuts server frames out of bytes fed as they arrive; no I/O, so malformed and truncated input can
/// be tested. It refuses what a server must not send: masked frames, reserved bits, unknown
/// opcodes, fragmented or oversized control frames, a 64-bit length with its high bit set, and any
/// frame over ``maximumFrameSize`` (refused from its header, before its payload is awaited).
public struct WebSocketFrameParser {
    /// The largest frame (and message) accepted by default: a `sessions_initial` of 10,000 sessions is
    /// about 6 MiB, so 64 MiB leaves room while bounding a CLI's memory.
    public static let defaultMaximumFrameSize = 64 << 20

    public let maximumFrameSize: Int
    private var buffer: [UInt8] = []
    /// Bytes of `buffer` already cut into frames; compacted when more than half is spent.
    private var cursor = 0

    public init(maximumFrameSize: Int = defaultMaximumFrameSize) {
        self.maximumFrameSize = maximumFrameSize
    }

    /// Bytes received and not yet part of a returned frame.
    public var pendingCount: Int { buffer.count - cursor }

    public mutating func append(_ bytes: some Collection<UInt8>) {
        buffer.append(contentsOf: bytes)
    }

    /// The next complete frame, nil while more bytes are needed.
    public mutating func nextFrame() throws -> WebSocketFrame? {
        let available = buffer.count - cursor
        guard available >= 2 else { return nil }
        let first = buffer[cursor], second = buffer[cursor + 1]
        guard first & 0x70 == 0 else {
            throw ClientError(.malformed, "tetherd sent a WebSocket frame with reserved bits set; no extension was agreed")
        }
        let opcode = first & 0x0F
        guard [WebSocketFrame.continuation, WebSocketFrame.text, WebSocketFrame.binary,
               WebSocketFrame.close, WebSocketFrame.ping, WebSocketFrame.pong].contains(opcode) else {
            throw ClientError(.malformed, "tetherd sent a WebSocket frame with the unknown opcode \(opcode)")
        }
        guard second & 0x80 == 0 else {
            throw ClientError(.malformed, "tetherd sent a masked WebSocket frame; a server's frames are never masked")
        }
        let final = first & 0x80 != 0
        var header = 2
        var length: UInt64 = UInt64(second & 0x7F)
        if length == 126 {
            guard available >= 4 else { return nil }
            length = UInt64(buffer[cursor + 2]) << 8 | UInt64(buffer[cursor + 3])
            header = 4
        } else if length == 127 {
            guard available >= 10 else { return nil }
            length = buffer[(cursor + 2)..<(cursor + 10)].reduce(0) { $0 << 8 | UInt64($1) }
            guard length & (1 << 63) == 0 else {
                throw ClientError(.malformed, "tetherd sent a WebSocket frame whose 64-bit length has its high bit set")
            }
            header = 10
        }
        if opcode & 0x8 != 0 {
            guard final, length <= 125 else {
                throw ClientError(.malformed, "tetherd sent a fragmented or oversized WebSocket control frame (opcode \(opcode), \(length) bytes)")
            }
        }
        guard length <= UInt64(maximumFrameSize) else {
            throw ClientError(.tooLarge, "tetherd sent a WebSocket frame of \(length) bytes, over the client's limit of \(maximumFrameSize) (WebSocketFrameParser.maximumFrameSize)")
        }
        let size = Int(length)
        guard available >= header + size else { return nil }
        let start = cursor + header
        let frame = WebSocketFrame(final: final, opcode: opcode, payload: Array(buffer[start..<start + size]))
        cursor = start + size
        compact()
        return frame
    }

    private mutating func compact() {
        if cursor == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            cursor = 0
        } else if cursor > 4096, cursor * 2 > buffer.count {
            buffer.removeFirst(cursor)
            cursor = 0
        }
    }
}
