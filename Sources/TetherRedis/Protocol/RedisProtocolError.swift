import TetherCore

/// Input from a peer that does not follow PROTOCOL.md §1–4: which field, what is wrong with it, and
/// what the sender must do instead. Equality is by code; the message never holds a field's value
/// beyond a short name (values may carry secrets or megabytes).
public struct RedisProtocolError: Error, Sendable, CustomStringConvertible {
    /// What kind of input was refused.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public init(_ name: String) { self.name = name }
        public var description: String { name }

        /// A required field is absent or empty.
        public static let missingField = Code("missing-field")
        /// A field's bytes are not UTF-8.
        public static let invalidUTF8 = Code("invalid-utf8")
        /// A field is longer than its bound (``StreamEntryLimits``).
        public static let fieldTooLong = Code("field-too-long")
        /// A field that must hold JSON (of a given shape) does not.
        public static let invalidJSON = Code("invalid-json")
        /// A command's arguments do not fit its grammar (count, integers, agent names, modes).
        public static let invalidArguments = Code("invalid-arguments")
        /// A Base64 argument is not standard Base64 with padding of UTF-8 text.
        public static let invalidBase64 = Code("invalid-base64")
        /// The command text holds no words at all.
        public static let emptyCommand = Code("empty-command")
        /// A computer name is empty or holds `:` or whitespace.
        public static let invalidComputerName = Code("invalid-computer-name")
        /// A reply chunk is not a `{"status": …}` envelope.
        public static let invalidEnvelope = Code("invalid-envelope")
    }

    public let code: Code
    /// The stream field, JSON key or command argument at fault.
    public let field: String
    public let message: String

    public init(_ code: Code, field: String, _ message: String) {
        self.code = code
        self.field = field
        self.message = message
    }

    public var description: String { message }
}

extension RedisProtocolError: Equatable {
    public static func == (lhs: RedisProtocolError, rhs: RedisProtocolError) -> Bool { lhs.code == rhs.code }
}
