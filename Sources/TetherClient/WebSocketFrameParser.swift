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

/// A whole message from the server: fragments joined, control frames passed through.
public enum WebSocketMessage: Sendable, Equatable {
    case text(String)
    case binary([UInt8])
    case ping([UInt8])
    case pong([UInt8])
    /// The close code (nil when the frame had none) and reason.
    case close(code: UInt16?, reason: String)
}

/// Joins frames into messages (RFC 6455 §5.4): a continuation only after an unfinished text or
/// binary frame, no new data frame until the message ends, control frames allowed in between; the
/// joined message is capped like a frame.
public struct WebSocketMessageParser {
    public private(set) var frames: WebSocketFrameParser
    private var fragments: [UInt8] = []
    private var fragmentedOpcode: UInt8?

    public init(maximumMessageSize: Int = WebSocketFrameParser.defaultMaximumFrameSize) {
        frames = WebSocketFrameParser(maximumFrameSize: maximumMessageSize)
    }

    public mutating func append(_ bytes: some Collection<UInt8>) { frames.append(bytes) }

    /// The next complete message, nil while more bytes are needed.
    public mutating func nextMessage() throws -> WebSocketMessage? {
        while let frame = try frames.nextFrame() {
            switch frame.opcode {
            case WebSocketFrame.close:
                let code = frame.payload.count >= 2 ? UInt16(frame.payload[0]) << 8 | UInt16(frame.payload[1]) : nil
                return .close(code: code, reason: String(decoding: frame.payload.dropFirst(2), as: UTF8.self))
            case WebSocketFrame.ping: return .ping(frame.payload)
            case WebSocketFrame.pong: return .pong(frame.payload)
            case WebSocketFrame.continuation:
                guard let opcode = fragmentedOpcode else {
                    throw ClientError(.malformed, "tetherd sent a WebSocket continuation frame with no message to continue")
                }
                try collect(frame.payload)
                if frame.final { return finish(opcode) }
            default:
                guard fragmentedOpcode == nil else {
                    throw ClientError(.malformed, "tetherd started a new WebSocket message before finishing the fragmented one")
                }
                if frame.final {
                    return frame.opcode == WebSocketFrame.text ? .text(String(decoding: frame.payload, as: UTF8.self)) : .binary(frame.payload)
                }
                fragmentedOpcode = frame.opcode
                try collect(frame.payload)
            }
        }
        return nil
    }

    private mutating func collect(_ payload: [UInt8]) throws {
        guard fragments.count + payload.count <= frames.maximumFrameSize else {
            throw ClientError(.tooLarge, "tetherd sent a fragmented WebSocket message over the client's limit of \(frames.maximumFrameSize) bytes")
        }
        fragments.append(contentsOf: payload)
    }

    private mutating func finish(_ opcode: UInt8) -> WebSocketMessage {
        defer {
            fragments = []
            fragmentedOpcode = nil
        }
        return opcode == WebSocketFrame.text ? .text(String(decoding: fragments, as: UTF8.self)) : .binary(fragments)
    }
}
