import Foundation

/// A WebSocket to the daemon's `/ws` over its unix socket (client side: frames masked).
public final class TetherWebSocket {
    private let socket: UnixSocket
    private var pending: [UInt8]
    private var fragments: [UInt8] = []
    public private(set) var isClosed = false

    /// Connects and upgrades; throws unless the daemon answers 101.
    public init(socketPath: String, path: String = "/ws", timeout: Duration = .seconds(10)) throws {
        socket = try UnixSocket(path: socketPath, timeout: timeout)
        var key = [UInt8](repeating: 0, count: 16)
        for index in key.indices { key[index] = UInt8.random(in: 0...255) }
        let head = "GET \(path) HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: \(Data(key).base64EncodedString())\r\nSec-WebSocket-Version: 13\r\n\r\n"
        try socket.write(Array(head.utf8))
        let response = try TetherHTTPClient.readResponse(from: socket, timeout: timeout, stopAfterHead: true)
        guard response.status == 101 else {
            throw ClientError("tetherd refused the WebSocket (HTTP \(response.status)); is it an older version?")
        }
        pending = response.body
    }

    /// Sends one text message.
    public func send(text: String) throws {
        try sendFrame(opcode: 0x1, payload: Array(text.utf8))
    }

    /// Sends a JSON object as one text message.
    public func send(json: Any) throws {
        let data = try JSONSerialization.data(withJSONObject: json)
        try send(text: String(decoding: data, as: UTF8.self))
    }

    /// The next text message, or nil when none came within `timeout` or the server closed.
    public func receive(timeout: Duration) throws -> String? {
        let deadline = ContinuousClock.now + timeout
        while !isClosed {
            if let frame = try parseFrame() {
                switch frame.opcode {
                case 0x1, 0x2, 0x0:
                    fragments += frame.payload
                    if frame.final {
                        defer { fragments = [] }
                        return String(decoding: fragments, as: UTF8.self)
                    }
                case 0x8:
                    isClosed = true
                    try? sendFrame(opcode: 0x8, payload: Array(frame.payload.prefix(2)))
                    return nil
                case 0x9:
                    try sendFrame(opcode: 0xA, payload: frame.payload)
                default:
                    break
                }
                continue
            }
            let left = ContinuousClock.now.duration(to: deadline)
            guard left > .zero, let chunk = try socket.read(waiting: left) else { return nil }
            if chunk.isEmpty { isClosed = true; return nil }
            pending += chunk
        }
        return nil
    }

    /// The next message parsed as a JSON object.
    public func receiveJSON(timeout: Duration) throws -> [String: Any]? {
        guard let text = try receive(timeout: timeout) else { return nil }
        return try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
    }

    public func close() {
        if !isClosed { try? sendFrame(opcode: 0x8, payload: [0x03, 0xE8]) }
        isClosed = true
        socket.close()
    }

    private func sendFrame(opcode: UInt8, payload: [UInt8]) throws {
        var frame: [UInt8] = [0x80 | opcode]
        if payload.count < 126 {
            frame.append(0x80 | UInt8(payload.count))
        } else if payload.count <= 0xFFFF {
            frame.append(0x80 | 126)
            frame += [UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        } else {
            frame.append(0x80 | 127)
            for shift in stride(from: 56, through: 0, by: -8) { frame.append(UInt8((payload.count >> shift) & 0xFF)) }
        }
        let mask = (0..<4).map { _ in UInt8.random(in: 0...255) }
        frame += mask
        for (index, byte) in payload.enumerated() { frame.append(byte ^ mask[index % 4]) }
        try socket.write(frame)
    }

    private func parseFrame() throws -> (final: Bool, opcode: UInt8, payload: [UInt8])? {
        guard pending.count >= 2 else { return nil }
        let final = pending[0] & 0x80 != 0
        let opcode = pending[0] & 0x0F
        let masked = pending[1] & 0x80 != 0
        var length = Int(pending[1] & 0x7F)
        var offset = 2
        if length == 126 {
            guard pending.count >= 4 else { return nil }
            length = Int(pending[2]) << 8 | Int(pending[3])
            offset = 4
        } else if length == 127 {
            guard pending.count >= 10 else { return nil }
            length = pending[2..<10].reduce(0) { $0 << 8 | Int($1) }
            offset = 10
        }
        var mask: [UInt8] = []
        if masked {
            guard pending.count >= offset + 4 else { return nil }
            mask = Array(pending[offset..<offset + 4])
            offset += 4
        }
        guard pending.count >= offset + length else { return nil }
        var payload = Array(pending[offset..<offset + length])
        if masked { for index in payload.indices { payload[index] ^= mask[index % 4] } }
        pending.removeFirst(offset + length)
        return (final, opcode, payload)
    }
}
