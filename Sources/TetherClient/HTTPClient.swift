import Foundation

/// A response from the daemon.
public struct HTTPResponse: Sendable {
    public let status: Int
    public let headers: [String: String]
    public let body: [UInt8]

    public var text: String { String(decoding: body, as: UTF8.self) }

    /// The body parsed as JSON (an object, an array, ...).
    public func json() throws -> Any {
        do {
            return try JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed])
        } catch {
            throw ClientError("tetherd answered \(status) with a body that is not JSON: \(text.prefix(200))")
        }
    }
}

/// HTTP/1.1 to the daemon over its unix socket: one connection per request, `Connection: close`.
public struct TetherHTTPClient: Sendable {
    public let socketPath: String
    /// How long a request may take, connect to last byte.
    public let timeout: Duration

    public init(socketPath: String, timeout: Duration = .seconds(30)) {
        self.socketPath = socketPath
        self.timeout = timeout
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

    public func request(_ method: String, _ path: String, body: [UInt8] = [], contentType: String? = nil,
                        extraHeaders: [String: String] = [:]) throws -> HTTPResponse {
        let socket = try UnixSocket(path: socketPath, timeout: timeout)
        defer { socket.close() }
        var head = "\(method) \(path) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: \(body.count)\r\n"
        if let contentType { head += "Content-Type: \(contentType)\r\n" }
        for (name, value) in extraHeaders { head += "\(name): \(value)\r\n" }
        head += "\r\n"
        try socket.write(Array(head.utf8) + body, stopWhenAnswered: true)
        return try Self.readResponse(from: socket, timeout: timeout)
    }

    static func readResponse(from socket: UnixSocket, timeout: Duration, stopAfterHead: Bool = false) throws -> HTTPResponse {
        var buffer: [UInt8] = []
        var headEnd: Int?
        while headEnd == nil {
            guard let chunk = try socket.read() else { throw ClientError("tetherd did not answer within \(timeout); is it hung? (journalctl -u tetherd)") }
            if chunk.isEmpty { throw ClientError("tetherd closed the connection without an answer") }
            buffer += chunk
            headEnd = find([13, 10, 13, 10], in: buffer)
        }
        let head = String(decoding: buffer[0..<headEnd!], as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { throw ClientError("tetherd answered something that is not HTTP: \(head.prefix(80))") }
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = Array(buffer[(headEnd! + 4)...])
        if stopAfterHead { return HTTPResponse(status: status, headers: headers, body: body) }
        if let length = headers["content-length"].flatMap(Int.init) {
            while body.count < length {
                guard let chunk = try socket.read(), !chunk.isEmpty else { throw ClientError("the answer from tetherd was cut short") }
                body += chunk
            }
            return HTTPResponse(status: status, headers: headers, body: Array(body.prefix(length)))
        }
        // Chunked or until close: read everything, then undo the chunking.
        while let chunk = try socket.read(), !chunk.isEmpty { body += chunk }
        if headers["transfer-encoding"]?.lowercased().contains("chunked") == true { body = try dechunk(body) }
        return HTTPResponse(status: status, headers: headers, body: body)
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if Array(haystack[start..<start + needle.count]) == needle { return start }
        }
        return nil
    }

    static func dechunk(_ raw: [UInt8]) throws -> [UInt8] {
        var out: [UInt8] = []
        var cursor = 0
        while cursor < raw.count {
            guard let lineEnd = find([13, 10], in: Array(raw[cursor...])) else { break }
            let sizeText = String(decoding: raw[cursor..<cursor + lineEnd], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16) else { throw ClientError("a chunked answer from tetherd is malformed") }
            cursor += lineEnd + 2
            if size == 0 { break }
            guard cursor + size <= raw.count else { throw ClientError("a chunked answer from tetherd was cut short") }
            out += raw[cursor..<cursor + size]
            cursor += size + 2
        }
        return out
    }
}
