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
