import Foundation

extension HTTPResponse {
    /// The body parsed as JSON (an object, an array, ...).
    public func json() throws -> Any {
        do {
            return try JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed])
        } catch {
            throw ClientError(.malformed, "tetherd answered \(status) with a body that is not JSON: \(text.prefix(200))")
        }
    }

    /// The body decoded as `type`.
    public func decode<T: Decodable>(_ type: T.Type) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(body))
        } catch {
            throw ClientError(.malformed, "tetherd answered \(status) with a body that is not the \(type) this client expects (\(error)); are the daemon and the CLI the same version?")
        }
    }
}

/// HTTP/1.1 to the daemon over its unix socket: one connection per request, `Connection: close`,
/// one deadline for the whole request, the answer capped in size.
public struct TetherHTTPClient: Sendable {
    /// How long one request may take, from sending its first byte to reading the last of its answer,
    /// unless the caller gives another (`tether --timeout`). The daemon answers in milliseconds; the
    /// slowest request, creating a session, waits on tmux for up to a few seconds, so 30 s only fires
    /// on a daemon that is hung.
    public static let defaultTimeout: Duration = .seconds(30)

    public let socketPath: String
    public let timeout: Duration
    /// The largest answer read (``HTTPResponseParser/defaultMaximumBodySize`` unless given).
    public let maximumResponseSize: Int

    public init(socketPath: String, timeout: Duration = defaultTimeout, maximumResponseSize: Int = HTTPResponseParser.defaultMaximumBodySize) {
        self.socketPath = socketPath
        self.timeout = timeout
        self.maximumResponseSize = maximumResponseSize
    }

    /// The socket the daemon listens on by the daemon's own rules: `$TETHER_SOCKET`, else
    /// `$XDG_RUNTIME_DIR/tether/api.sock` (the user unit), else `/run/tether/api.sock` (the system
    /// unit) if it exists, else `/tmp/tether-$UID/api.sock`.
    public static func defaultSocketPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let explicit = environment["TETHER_SOCKET"], !explicit.isEmpty { return explicit }
        let runtime = environment["XDG_RUNTIME_DIR"].flatMap { $0.isEmpty ? nil : $0 + "/tether/api.sock" }
        let candidates = [runtime, "/run/tether/api.sock", "/tmp/tether-\(getuid())/api.sock"].compactMap { $0 }
        return candidates.first { FileManager.default.fileExists(atPath: $0) } ?? runtime ?? "/tmp/tether-\(getuid())/api.sock"
    }

    public func get(_ path: String) throws -> HTTPResponse { try request("GET", path) }

    /// Sends `json` (any JSONSerialization value) as the body.
    public func send(_ method: String, _ path: String, json: Any) throws -> HTTPResponse {
        let data = try JSONSerialization.data(withJSONObject: json, options: [.fragmentsAllowed])
        return try request(method, path, body: Array(data), contentType: "application/json")
    }

    /// Sends `value` encoded with `JSONEncoder` as the body.
    public func send(_ method: String, _ path: String, body value: some Encodable) throws -> HTTPResponse {
        let data = try JSONEncoder().encode(value)
        return try request(method, path, body: Array(data), contentType: "application/json")
    }

    public func request(_ method: String, _ path: String, body: [UInt8] = [], contentType: String? = nil,
                        extraHeaders: [String: String] = [:]) throws -> HTTPResponse {
        let deadline = ClientDeadline(timeout)
        let socket = try UnixSocket(path: socketPath, by: deadline)
        defer { socket.close() }
        var head = "\(method) \(path) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: \(body.count)\r\n"
        if let contentType { head += "Content-Type: \(contentType)\r\n" }
        for (name, value) in extraHeaders { head += "\(name): \(value)\r\n" }
        head += "\r\n"
        try socket.write(Array(head.utf8) + body, by: deadline, stopWhenAnswered: true)
        var parser = HTTPResponseParser(maximumBodySize: maximumResponseSize)
        return try Self.read(&parser, from: socket, by: deadline)
    }

    /// Feeds `parser` from `socket` until it has a response, the stream ends, or the deadline passes.
    static func read(_ parser: inout HTTPResponseParser, from socket: UnixSocket, by deadline: ClientDeadline) throws -> HTTPResponse {
        while true {
            guard let chunk = try socket.read(by: deadline) else {
                throw ClientError(.timeout, "tetherd did not answer within \(deadline.budget); is it hung? (journalctl -u tetherd) --timeout gives it longer")
            }
            if chunk.isEmpty { return try parser.finish() }
            if let response = try parser.feed(chunk) { return response }
        }
    }
}
