import Logging
import TetherCore

/// Writes the one reply entry of a request to `output:{request id}` (PROTOCOL.md §2), with
/// `from_computer` (§9 defect 1) and an expiry (defect 2).
public struct ReplyWriter: Sendable {
    /// How long a reply stream lives: the Python config's `output_stream_ttl`. A requester reads its
    /// reply within seconds (3–5 s timeouts), so an hour is far more than needed while still
    /// bounding what unread replies can accumulate.
    public static let replyTimeToLive: Duration = .seconds(3600)
    /// How long a reply that could not be sent (Redis went away after its request was read) waits
    /// for Redis to come back: a requester waits 3–5 s for its reply, so later is read by nobody.
    public static let reconnectWindow: Duration = .seconds(5)

    let sender: any RedisCommandSending
    let computer: String
    let time: TimeSource

    /// A writer answering as `computer` through `sender` (a command link, not the blocking reader's).
    public init(sender: any RedisCommandSending, computer: String, time: TimeSource) {
        self.sender = sender
        self.computer = computer
        self.time = time
    }

    /// `XADD output:{id} MAXLEN ~ 10000 * chunk … timestamp … message_id … from_computer …`, then `EXPIRE`.
    public func write(_ envelope: [UInt8], answering requestID: String) async throws(RedisError) {
        let key = RedisKeys.reply(to: requestID)
        let entry = ReplyEntry(envelope: envelope, answering: requestID, from: computer, at: time.wallNow)
        var arguments = ["XADD", key, "MAXLEN", "~", String(RedisKeys.messageStreamMaximumLength), "*"]
        for field in entry.fields { arguments += [field.field, String(decoding: field.value, as: UTF8.self)] }
        try await sendOnce(arguments)
        try await sendOnce(["EXPIRE", key, String(Self.replyTimeToLive.components.seconds)])
    }

    /// Sends `arguments` once: not held up by the link's backoff (a request was just read, so Redis
    /// was there), and, when Redis went away before the command left, again once it is back
    /// (within ``reconnectWindow``). A command that may have reached Redis is never sent twice.
    private func sendOnce(_ arguments: [String]) async throws(RedisError) {
        do {
            _ = try await sender.sendReconnecting(arguments)
        } catch where error.unsent {
            guard await sender.waitUntilReachable(within: Self.reconnectWindow) else { throw error }
            _ = try await sender.sendReconnecting(arguments)
        }
    }
}
