import Foundation

/// A WebSocket to the daemon's `/ws` over its unix socket (client side: frames masked).
public final class TetherWebSocket {
    /// How long the upgrade may take, connect to `101`: the daemon answers at once unless hung.
    public static let handshakeTimeout: Duration = .seconds(10)
    /// How long one outgoing frame may wait for the daemon to take it: it reads its clients
    /// continuously, so only a hung daemon takes longer.
    public static let sendTimeout: Duration = .seconds(10)

    private let socket: UnixSocket
    private var messages: WebSocketMessageParser
    public private(set) var isClosed = false

    /// Connects and upgrades; throws unless the daemon answers 101.
    public init(socketPath: String, path: String = "/ws", timeout: Duration = handshakeTimeout,
                maximumMessageSize: Int = WebSocketFrameParser.defaultMaximumFrameSize) throws {
        let deadline = ClientDeadline(timeout)
        socket = try UnixSocket(path: socketPath, by: deadline)
        messages = WebSocketMessageParser(maximumMessageSize: maximumMessageSize)
        var key = [UInt8](repeating: 0, count: 16)
        for index in key.indices { key[index] = UInt8.random(in: 0...255) }
        let head = "GET \(path) HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: \(Data(key).base64EncodedString())\r\nSec-WebSocket-Version: 13\r\n\r\n"
        try socket.write(Array(head.utf8), by: deadline)
        var parser = HTTPResponseParser(stopAfterHead: true)
        let response = try TetherHTTPClient.read(&parser, from: socket, by: deadline)
        guard response.status == 101 else {
            throw ClientError(.malformed, "tetherd refused the WebSocket (HTTP \(response.status)); is it an older version?")
        }
        // Frames that came with the upgrade's answer.
        messages.append(response.body)
    }

    /// Sends one text message.
    public func send(text: String) throws {
        try sendFrame(opcode: WebSocketFrame.text, payload: Array(text.utf8))
    }

    /// Sends a JSON object as one text message.
    public func send(json: Any) throws {
        let data = try JSONSerialization.data(withJSONObject: json)
        try send(text: String(decoding: data, as: UTF8.self))
    }

    /// The next text (or binary, read as UTF-8) message; nil when none came within `timeout` or the
    /// server closed. A frame a server must not send ends the connection with an error.
    public func receive(timeout: Duration) throws -> String? {
        let deadline = ClientDeadline(timeout)
        while !isClosed {
            let message: WebSocketMessage?
            do {
                message = try messages.nextMessage()
            } catch {
                // Protocol error (1002), or a message too big (1009).
                close(code: (error as? ClientError)?.code == .tooLarge ? 1009 : 1002)
                throw error
            }
            switch message {
            case .text(let text): return text
            case .binary(let bytes): return String(decoding: bytes, as: UTF8.self)
            case .ping(let payload): try sendFrame(opcode: WebSocketFrame.pong, payload: payload)
            case .pong: continue
            case .close(let code, _):
                try? sendFrame(opcode: WebSocketFrame.close, payload: code.map { [UInt8($0 >> 8), UInt8($0 & 0xFF)] } ?? [])
                isClosed = true
                socket.close()
                return nil
            case nil:
                guard let chunk = try socket.read(by: deadline) else { return nil }
                if chunk.isEmpty {
                    isClosed = true
                    return nil
                }
                messages.append(chunk)
            }
        }
        return nil
    }

    /// The next message parsed as a JSON object.
    public func receiveJSON(timeout: Duration) throws -> [String: Any]? {
        guard let text = try receive(timeout: timeout) else { return nil }
        return try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
    }

    /// Sends a close frame (1000, normal) and closes the socket.
    public func close() { close(code: 1000) }

    private func close(code: UInt16) {
        if !isClosed { try? sendFrame(opcode: WebSocketFrame.close, payload: [UInt8(code >> 8), UInt8(code & 0xFF)]) }
        isClosed = true
        socket.close()
    }

    private func sendFrame(opcode: UInt8, payload: [UInt8]) throws {
        var frame: [UInt8] = [0x80 | opcode]
        frame.reserveCapacity(payload.count + 14)
        if payload.count < 126 {
            frame.append(0x80 | UInt8(payload.count))
        } else if payload.count <= 0xFFFF {
            frame.append(0x80 | 126)
            frame += [UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        } else {
            frame.append(0x80 | 127)
            let length = UInt64(payload.count)
            for shift in stride(from: 56, through: 0, by: -8) { frame.append(UInt8((length >> UInt64(shift)) & 0xFF)) }
        }
        let mask = (0..<4).map { _ in UInt8.random(in: 0...255) }
        frame += mask
        for (index, byte) in payload.enumerated() { frame.append(byte ^ mask[index % 4]) }
        try socket.write(frame, by: ClientDeadline(Self.sendTimeout))
    }
}
