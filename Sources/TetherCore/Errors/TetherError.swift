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
