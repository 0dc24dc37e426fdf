import Synchronization
import TetherCore

/// One request waiting for its reply on `output:{id}`: filled once by the reply reader (or the
/// stop), read by the requester after ``arrived`` fires.
final class ReplyWaiter: Sendable {
    let requestID: String
    let stream: String
    let target: String
    let command: String
    /// Whether an entry without `from_computer` counts as the target's: true for a Python target,
    /// which writes none; a Tether target always names itself, so an unnamed entry is someone else's.
    let acceptsUnlabelled: Bool
    let arrived = AsyncEvent()
    private let outcome = Mutex<Result<ReplyEntry, RequestFailure>?>(nil)
    private let ignoredAny = Mutex(false)

    init(requestID: String, target: String, command: String, acceptsUnlabelled: Bool) {
        self.requestID = requestID
        self.stream = RedisKeys.reply(to: requestID)
        self.target = target
        self.command = command
        self.acceptsUnlabelled = acceptsUnlabelled
    }

    /// The first outcome wins; later ones are dropped.
    func complete(_ result: Result<ReplyEntry, RequestFailure>) {
        let first = outcome.withLock { held -> Bool in
            guard held == nil else { return false }
            held = result
            return true
        }
        if first { arrived.fire() }
    }

    var result: Result<ReplyEntry, RequestFailure>? { outcome.withLock { $0 } }

    /// Notes an ignored entry; true for the first (log it then, once per request).
    func noteIgnored() -> Bool {
        ignoredAny.withLock { seen in
            defer { seen = true }
            return !seen
        }
    }

    /// Whether an entry written by `from` (nil: no `from_computer`) is the target's answer.
    func accepts(from: String?) -> Bool {
        guard let from else { return acceptsUnlabelled }
        return from == target
    }
}
