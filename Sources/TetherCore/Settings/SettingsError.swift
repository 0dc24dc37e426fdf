/// Why a ``SettingsStore`` call failed: a code to branch on, the key, and a message for the
/// operator. Never carries the value. Equality is by code and key.
public struct SettingsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, so a caller can tell "retry later" from "fix the caller".
    public enum Code: String, Sendable {
        /// The key is empty, too long or holds a NUL: a caller's bug, retrying will not help.
        case invalidKey = "invalid-key"
        /// The value is too large or holds a NUL: a caller's bug, retrying will not help.
        case invalidValue = "invalid-value"
        /// The store is closed (the daemon is stopping) or not yet open.
        case unavailable
        /// The storage failed (I/O, a locked or corrupt database); `underlying` says how.
        case failed
    }

    public let code: Code
    public let key: String
    public let message: String
    public let underlying: (any Error)?

    public init(_ code: Code, key: String, _ message: String, underlying: (any Error)? = nil) {
        self.code = code
        self.key = key
        self.message = message
        self.underlying = underlying
    }

    public var description: String { "setting \(key): \(message)" }

    public static func == (lhs: SettingsError, rhs: SettingsError) -> Bool { lhs.code == rhs.code && lhs.key == rhs.key }
}
