/// An error of the daemon: a code to branch on and a message written for the operator.
///
/// Equality is by code. The message says what failed, which thing, and what to do.
public struct TetherError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The configuration file could not be read, parsed or validated.
        public static let invalidConfiguration = Code("invalid-configuration")
        /// A wait ran past its deadline.
        public static let timeout = Code("timeout")
        /// The thing named does not exist (a session id, a tmux session).
        public static let notFound = Code("not-found")
        /// A request was malformed or not allowed; the message says which part and why.
        public static let invalidRequest = Code("invalid-request")
        /// tmux (or another subprocess) failed or answered something unexpected.
        public static let terminal = Code("terminal")
        /// The session store could not read or write.
        public static let store = Code("store")
        /// A part of the daemon is stopped or not yet started.
        public static let unavailable = Code("unavailable")
        /// The thing named existed but has ended (a closed session), so the request came too late.
        public static let gone = Code("gone")
        /// The caller may not do this to the thing named (a hook whose token is not its session's).
        public static let forbidden = Code("forbidden")
    }

    public let code: Code
    public let message: String
    public let underlying: (any Error)?
    /// The errno that best names the failure, for systemd's `ERRNO=`, where one is meaningful.
    public let errno: Int32?

    public init(_ code: Code, _ message: String, underlying: (any Error)? = nil, errno: Int32? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
        self.errno = errno
    }

    public var description: String { message }
}

extension TetherError: Equatable {
    public static func == (lhs: TetherError, rhs: TetherError) -> Bool { lhs.code == rhs.code }
}
