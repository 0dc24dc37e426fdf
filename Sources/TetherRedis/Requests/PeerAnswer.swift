import TetherCore

/// A peer's reply to one request: its envelope, who wrote it and when.
public struct PeerAnswer: Sendable, Equatable {
    /// The envelope: success data, or the peer's error (`NO_HANDLER` included, see ``PeerFailure/isNoHandler``).
    public var reply: PeerReply
    /// The reply entry's `from_computer`; nil from a Python peer, which writes none.
    public var from: String?
    /// The reply entry's `timestamp` (`str(time.time())` on the peer); nil when absent or unreadable.
    public var stamp: Timestamp?
    /// From the `XADD` of the request to the reply read.
    public var roundTrip: Duration

    public init(reply: PeerReply, from: String?, stamp: Timestamp?, roundTrip: Duration) {
        self.reply = reply
        self.from = from
        self.stamp = stamp
        self.roundTrip = roundTrip
    }
}

/// Why a request got no usable reply.
public struct RequestFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of failure, to branch on and to count.
    public enum Kind: String, Sendable, CaseIterable {
        /// Redis could not be reached, or refused the request's `XADD`.
        case unreachable
        /// No reply from the target within the command's deadline.
        case timeout
        /// The reply entry or its envelope could not be read.
        case invalidReply = "invalid_reply"
        /// The requester is stopped (the daemon is stopping) or the caller was cancelled.
        case stopped
    }

    public var kind: Kind
    /// What failed, naming the computer and the command; never a secret.
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    public static func == (lhs: RequestFailure, rhs: RequestFailure) -> Bool { lhs.kind == rhs.kind }
}

extension Timestamp {
    /// Reads `str(time.time())`; nil for text that is not a finite number.
    init?(pythonEpochText text: String) {
        guard let seconds = Double(text), seconds.isFinite, seconds >= 0 else { return nil }
        self.init(secondsSince1970: seconds)
    }
}
