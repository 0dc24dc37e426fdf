/// Why the client could not talk to the daemon, in one sentence that says what to do.
public struct ClientError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What kind of failure, for callers (and tests) that act on it.
    public enum Code: Sendable, Equatable {
        /// No daemon, no permission, not a socket.
        case unreachable
        /// The whole request did not finish within its deadline.
        case timeout
        /// The daemon closed the connection before the answer was complete.
        case truncated
        /// The bytes are not HTTP, or not a WebSocket frame a server may send.
        case malformed
        /// The answer (or one WebSocket message) is over the client's size cap.
        case tooLarge
        /// Anything else (a syscall that failed).
        case other
    }

    public let code: Code
    public let description: String

    public init(_ code: Code = .other, _ description: String) {
        self.code = code
        self.description = description
    }

    /// Compatibility with callers that only have a sentence.
    public init(_ description: String) { self.init(.other, description) }
}
