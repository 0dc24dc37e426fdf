/// The name of a command for errors, logs and metrics: its first word, upper-cased, without any
/// argument (arguments may hold a password or a user's text).
public struct RedisCommandName: Hashable, Sendable, CustomStringConvertible {
    /// Longer first words are not Redis commands; cut them so a garbage command cannot flood a log line.
    static let maximumLength = 32

    /// Enough of a server's error text to say what went wrong, short enough for one log line.
    static let maximumReplyText = 200

    /// The upper-cased first word, or `(empty command)`.
    public let name: String

    /// The name of the command whose arguments (name first) are `arguments`.
    public init(_ arguments: [[UInt8]]) {
        let first = arguments.first ?? []
        let printable = first.prefix(Self.maximumLength).map { byte -> Character in
            (0x21...0x7e).contains(byte) ? Character(Unicode.Scalar(byte)) : "?"
        }
        name = printable.isEmpty ? "(empty command)" : String(printable).uppercased()
    }

    public var description: String { name }
}

extension RedisError {
    /// The error for a `-ERR …` reply, with the server's text but never an echo of the arguments.
    static func serverReply(_ text: String, command: RedisCommandName, address: String) -> RedisError {
        // Redis quotes the arguments of an unknown command ("with args beginning with: 'secret'").
        var reply = Substring(text)
        if let echo = reply.firstRange(of: ", with args beginning with") { reply = reply[..<echo.lowerBound] }
        let code: Code = reply.hasPrefix("NOAUTH") || reply.hasPrefix("WRONGPASS") ? .auth : .server
        let hint = code == .auth ? "; set redis.password or redis.password_file" : ""
        return RedisError(code, "Redis at \(address) answered \(command) with an error: \(reply.prefix(RedisCommandName.maximumReplyText))\(hint)")
    }

    /// The first word of a server error reply (`ERR`, `WRONGPASS`, `NOGROUP`), from the message.
    public var serverCode: String? {
        guard code == .server || code == .auth, let range = message.firstRange(of: "with an error: ") else { return nil }
        return message[range.upperBound...].split(separator: " ").first.map(String.init)
    }
}
