extension RedisURL {
    /// Parses `text`; a URL that cannot be used fails with a ``RedisError`` (code `.invalidURL`) that
    /// names the part that is wrong. The error never repeats the URL, which may hold a password.
    public init(parsing text: String) throws(RedisError) {
        let trimmed = text.trimmingWhitespace
        guard let schemeEnd = trimmed.firstRange(of: "://") else {
            throw Self.invalid("it has no scheme (redis://, rediss:// or unix://)")
        }
        let scheme = trimmed[..<schemeEnd.lowerBound].lowercased()
        let rest = String(trimmed[schemeEnd.upperBound...])
        switch scheme {
        case "redis", "rediss": try self.init(tcp: rest, tls: scheme == "rediss")
        case "unix": try self.init(unix: rest)
        default: throw Self.invalid("the scheme '\(scheme)' is not one of redis, rediss, unix")
        }
    }

    private init(tcp rest: String, tls: Bool) throws(RedisError) {
        var authority = Substring(rest)
        var path = Substring("")
        // The credentials end at the last `@`: a password may hold a `/`, which must not be taken
        // for the start of the path (and then be echoed in an error about the database).
        let hostStart = rest.lastIndex(of: "@").map { rest.index(after: $0) } ?? rest.startIndex
        if let slash = rest[hostStart...].firstIndex(of: "/") {
            authority = rest[..<slash]
            path = rest[rest.index(after: slash)...]
        }
        if let query = path.firstIndex(of: "?") { path = path[..<query] }
        let (user, password, hostPort) = try Self.splitCredentials(authority)
        let (host, port) = try Self.splitHostPort(hostPort)
        let database = path.isEmpty ? 0 : try Self.database(String(path))
        self.init(endpoint: .tcp(host: host, port: port), usesTLS: tls, user: user, password: password, database: database)
    }

    private init(unix rest: String) throws(RedisError) {
        var main = Substring(rest)
        var query = Substring("")
        if let mark = rest.firstIndex(of: "?") {
            main = rest[..<mark]
            query = rest[rest.index(after: mark)...]
        }
        var user: String?
        var password: String?
        var path = main
        if let slash = main.firstIndex(of: "/"), main[..<slash].contains("@") {
            (user, password, _) = try Self.splitCredentials(main[..<slash] + "x")
            path = main[slash...]
        }
        let decoded = try Self.percentDecoded(path, part: "the socket path")
        guard decoded.hasPrefix("/") else { throw Self.invalid("the socket path must be absolute (unix:///path/to/redis.sock)") }
        var database = 0
        for item in query.split(separator: "&") {
            let pair = item.split(separator: "=", maxSplits: 1)
            if pair.first == "db" { database = try Self.database(pair.count == 2 ? String(pair[1]) : "") }
        }
        self.init(endpoint: .unix(path: decoded), user: user, password: password, database: database)
    }

    private static func splitCredentials(_ authority: Substring) throws(RedisError) -> (String?, String?, Substring) {
        guard let at = authority.lastIndex(of: "@") else { return (nil, nil, authority) }
        let credentials = authority[..<at]
        let hostPort = authority[authority.index(after: at)...]
        guard let colon = credentials.firstIndex(of: ":") else {
            // `redis://secret@host` is how redis-py reads a bare password; it is never a user name.
            return (nil, try nonEmpty(percentDecoded(credentials, part: "the password")), hostPort)
        }
        let user = try percentDecoded(credentials[..<colon], part: "the user name")
        let password = try percentDecoded(credentials[credentials.index(after: colon)...], part: "the password")
        return (user.isEmpty ? nil : user, nonEmpty(password), hostPort)
    }

    private static func splitHostPort(_ text: Substring) throws(RedisError) -> (String, Int) {
        var host = text
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw invalid("the IPv6 host has no closing ']'") }
            host = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            if after.hasPrefix(":") { portText = after.dropFirst() } else if !after.isEmpty { throw invalid("unexpected text after the IPv6 host") }
        } else if let colon = text.lastIndex(of: ":") {
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        let decodedHost = try percentDecoded(host, part: "the host")
        guard !decodedHost.isEmpty else { throw invalid("it names no host (redis://host:6379)") }
        guard let portText else { return (decodedHost, defaultPort) }
        guard let port = Int(portText), (1...65535).contains(port) else {
            // The text itself is not repeated: in `redis://:secret` (host forgotten) it is the password.
            throw invalid("the port after the host is not a number from 1 to 65535")
        }
        return (decodedHost, port)
    }

    private static func database(_ text: String) throws(RedisError) -> Int {
        guard let number = Int(text), (0...maximumDatabase).contains(number) else {
            // The text itself is not repeated: a mistyped URL may put part of a password here.
            throw invalid("the database after the host is not a number from 0 to \(maximumDatabase)")
        }
        return number
    }

    private static func nonEmpty(_ text: String) -> String? { text.isEmpty ? nil : text }

    /// Decodes `%XX` escapes; a broken escape or bytes that are not UTF-8 are an error naming `part`.
    static func percentDecoded(_ text: Substring, part: String) throws(RedisError) -> String {
        guard text.contains("%") else { return String(text) }
        var bytes: [UInt8] = []
        var utf8 = text.utf8[...]
        while let byte = utf8.popFirst() {
            guard byte == UInt8(ascii: "%") else { bytes.append(byte); continue }
            let hex = utf8.prefix(2)
            guard hex.count == 2, let value = UInt8(String(decoding: hex, as: UTF8.self), radix: 16) else {
                throw invalid("\(part) has a broken %-escape (write %XX with two hex digits)")
            }
            bytes.append(value)
            utf8 = utf8.dropFirst(2)
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else { throw invalid("\(part) is not UTF-8 after %-decoding") }
        return decoded
    }

    private static func invalid(_ problem: String) -> RedisError {
        // The URL itself is left out: it may carry a password.
        RedisError(.invalidURL, "the Redis URL cannot be used: \(problem); fix redis.url in the configuration")
    }
}

extension String {
    fileprivate var trimmingWhitespace: String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
