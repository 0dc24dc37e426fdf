/// A failure of the Redis layer: a code to branch on and a message for the operator.
///
/// The message names the command (never its arguments, which may hold a password), the server's
/// address and what to do. Equality is by code.
public struct RedisError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure, to branch on.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The server could not be reached (refused, unknown host, no route, tunnel failed).
        public static let connect = Code("redis-connect")
        /// Connect or command ran past its deadline.
        public static let timeout = Code("redis-timeout")
        /// Reading or writing the socket failed, or the server closed it.
        public static let io = Code("redis-io")
        /// The server's bytes were not a valid reply.
        public static let `protocol` = Code("redis-protocol")
        /// The server answered the command with an error reply (`-ERR …`).
        public static let server = Code("redis-server")
        /// The connection was closed or shut down on our side.
        public static let closed = Code("redis-closed")
        /// The server had closed the idle connection before the command was written (a restart):
        /// nothing was sent, so the command may be sent again on a new connection.
        public static let stale = Code("redis-stale")
        /// AUTH was refused, or the server wants a password and got none.
        public static let auth = Code("redis-auth")
        /// The configured URL or password source cannot be used.
        public static let invalidURL = Code("redis-invalid-url")
    }

    /// The kind of failure.
    public let code: Code
    /// What failed, where, and what to do; never a secret.
    public let message: String
    /// The errno behind an I/O failure, when there was one.
    public let errno: Int32?
    /// True when the command never reached the wire (no connection, or one already broken or
    /// closed by the server): sending it again cannot make it happen twice.
    public let unsent: Bool

    /// An error of `code`; `message` must name no secret.
    public init(_ code: Code, _ message: String, errno: Int32? = nil, unsent: Bool = false) {
        self.code = code
        self.message = message
        self.errno = errno
        self.unsent = unsent || code == .stale
    }

    /// The same error, known not to have sent its command.
    var markedUnsent: RedisError { RedisError(code, message, errno: errno, unsent: true) }

    public var description: String { message }
}

extension RedisError: Equatable {
    public static func == (lhs: RedisError, rhs: RedisError) -> Bool { lhs.code == rhs.code }
}
