import TetherCore

/// The commands a control client has sent and tmux has not answered, in the order tmux answers
/// them, and each batch's deadline: a synchronous state machine, driven by instants it is given.
///
/// Instants are ``TimeSource`` readings. A batch's deadline counts until its last reply has come,
/// even when its caller has gone (cancelled): a client that stops answering is hung either way.
struct TmuxCommandQueue: Sendable {
    /// The place of one reply: which batch it belongs to and which of its commands it answers.
    struct Slot: Sendable, Equatable {
        let batch: Int
        let index: Int
        /// This reply is the batch's last.
        let completesBatch: Bool
    }

    private struct Waiting: Sendable {
        let deadline: Duration
        var unanswered: Int
        /// Its deadline passed and was reported; it is not watched any more.
        var expired = false
    }

    private var slots = FIFOQueue<(batch: Int, index: Int)>()
    private var waiting: [Int: Waiting] = [:]
    private var lastBatch = 0

    init() {}

    /// Replies still to come.
    var count: Int { slots.count }
    /// Batches still waiting for a reply, expired or not.
    var batchCount: Int { waiting.count }

    /// Queues `count` commands written together, to be answered by `deadline`; returns the batch's id.
    mutating func send(count: Int, deadline: Duration) -> Int {
        lastBatch += 1
        guard count > 0 else { return lastBatch }
        for index in 0..<count { slots.append((lastBatch, index)) }
        waiting[lastBatch] = Waiting(deadline: deadline, unanswered: count)
        return lastBatch
    }

    /// The slot the reply that just came fills (tmux answers in order); nil when none was expected.
    mutating func replyArrived() -> Slot? {
        guard let next = slots.popFirst() else { return nil }
        var batch = waiting[next.batch]!
        batch.unanswered -= 1
        waiting[next.batch] = batch.unanswered == 0 ? nil : batch
        return Slot(batch: next.batch, index: next.index, completesBatch: batch.unanswered == 0)
    }

    /// The earliest deadline of a batch still waiting and not yet expired.
    var earliestDeadline: Duration? { waiting.values.lazy.filter { !$0.expired }.map(\.deadline).min() }

    /// The batches whose deadline has passed at `now`, earliest first, each reported once; their
    /// slots stay, so late replies still fall in place.
    mutating func expire(at now: Duration) -> [Int] {
        let overdue = waiting.filter { !$0.value.expired && $0.value.deadline <= now }
            .sorted { ($0.value.deadline, $0.key) < ($1.value.deadline, $1.key) }
        for (batch, _) in overdue { waiting[batch]?.expired = true }
        return overdue.map(\.key)
    }

    /// How long a reader may wait for output at `now` before a deadline needs looking at: until the
    /// earliest deadline, zero once it has passed; nil when no deadline is watched.
    func wait(at now: Duration) -> Duration? {
        earliestDeadline.map { max(.zero, $0 - now) }
    }

    /// Forgets everything (the client is gone); returns the batches that were still waiting.
    mutating func removeAll() -> [Int] {
        _ = slots.removeAll()
        defer { waiting.removeAll() }
        return waiting.keys.sorted()
    }
}
