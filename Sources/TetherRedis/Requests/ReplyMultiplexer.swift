import Logging
import Synchronization
import TetherCore

/// Waits for the replies of every request in flight on ONE connection: each round is one
/// `XREAD COUNT n BLOCK b STREAMS output:a output:b … wake  id_a id_b … id_wake`, each reply stream
/// read from `0` and then from the last id seen, so a reply that already exists is found and no
/// entry is read twice (PROTOCOL.md §2, §9 defects 1–2).
///
/// A request that joins while a round is blocked wakes it with one entry on a wake stream of this
/// computer's own, which the round also reads: an `XADD` there lands before or after the round's
/// `XREAD` reaches the server, and either way the round returns at once (no race, unlike
/// `CLIENT UNBLOCK`, which misses a read not yet arrived). One wake per round, however many join.
///
/// Entry ids are per stream, so requests to two peers can get the same id and share one reply
/// stream: waiters are kept per stream, each entry goes to the waiter whose target wrote it, and
/// the stream is deleted only when its last waiter leaves. (``RedisRequester`` picks ids that are
/// unique among its own requests, so this is the rare fallback.)
final class ReplyMultiplexer: Sendable {
    /// Entries per stream per round: a reply stream holds one entry; a few more let an
    /// impersonator's entries be skipped in the same round.
    static let readCount = 10

    struct State {
        var waiters: [String: [ReplyWaiter]] = [:]
        /// The last entry id seen per reply stream.
        var positions: [String: String] = [:]
        /// True from a round's snapshot until its read returns.
        var reading = false
        /// Set when a waiter joined after the current round began and a wake was asked for.
        var wakeAsked = false
        var idle: AsyncEvent?
        var wakePosition = "0-0"
        var stopped = false
        var impersonations = 0
    }

    enum Round {
        case idle(AsyncEvent)
        case read(streams: [String], positions: [String], wake: String)
    }

    let link: RedisLink
    let wakeKey: String
    let block: Duration
    /// The longest BLOCK of a round, below the shortest request deadline (3 s): should a wake be
    /// lost, a reply already there is still read before its request times out.
    static let longestBlock: Duration = .seconds(1)
    let time: TimeSource
    let logger: Logger
    let state = Mutex(State())

    init(link: RedisLink, wakeKey: String, block: Duration, time: TimeSource, logger: Logger) {
        self.link = link
        self.wakeKey = wakeKey
        self.block = min(block, Self.longestBlock)
        self.time = time
        self.logger = logger
    }

    /// Adds a waiter; true when a round is blocked without its stream and the caller must wake it
    /// (an `XADD` to ``wakeKey``). A stopped multiplexer fails the waiter at once.
    func add(_ waiter: ReplyWaiter) -> Bool {
        let (idle, wake, stopped) = state.withLock { state -> (AsyncEvent?, Bool, Bool) in
            guard !state.stopped else { return (nil, false, true) }
            // From the start, also for a stream shared with another request: an entry skipped for that one may be this one's.
            state.positions[waiter.stream] = "0"
            state.waiters[waiter.stream, default: []].append(waiter)
            if state.reading {
                defer { state.wakeAsked = true }
                return (nil, !state.wakeAsked, false)
            }
            defer { state.idle = nil }
            return (state.idle, false, false)
        }
        if stopped { waiter.complete(.failure(RequestFailure(.stopped, "the requester is stopped (the daemon is stopping)"))) }
        idle?.fire()
        return wake
    }

    /// Forgets a waiter that got no reply (timed out, stopped or cancelled); true when it was the
    /// last one reading its stream, so the caller deletes the stream.
    @discardableResult
    func remove(_ waiter: ReplyWaiter) -> Bool {
        state.withLock { state in
            // Already taken by the reader, which deletes the stream of a reply it handed over.
            guard var others = state.waiters[waiter.stream], others.contains(where: { $0 === waiter }) else { return false }
            others.removeAll { $0 === waiter }
            guard others.isEmpty else {
                state.waiters[waiter.stream] = others
                return false
            }
            state.waiters[waiter.stream] = nil
            state.positions[waiter.stream] = nil
            return true
        }
    }

    /// Reply entries ignored so far because another computer wrote them.
    var impersonations: Int { state.withLock { $0.impersonations } }

    /// Fails every waiter with `.stopped`; later waiters fail at once.
    func stop() {
        let waiters = state.withLock { state -> [ReplyWaiter] in
            state.stopped = true
            defer { state.waiters = [:]; state.positions = [:] }
            return state.waiters.values.flatMap { $0 }
        }
        for waiter in waiters { waiter.complete(.failure(RequestFailure(.stopped, "the requester stopped before \(waiter.target) answered \(waiter.command)"))) }
    }

    /// The read returned: a waiter joining from now on is in the next round's snapshot, so it
    /// needs no wake (which would cost it a command and the next round a spurious return).
    func roundEnded() {
        state.withLock { $0.reading = false }
    }

    /// The next round: idle (nothing pending) or what to read.
    func nextRound() -> Round {
        state.withLock { state in
            guard !state.waiters.isEmpty else {
                state.reading = false
                let event = AsyncEvent()
                state.idle = event
                return .idle(event)
            }
            state.reading = true
            state.wakeAsked = false
            let streams = Array(state.waiters.keys)
            return .read(streams: streams, positions: streams.map { state.positions[$0] ?? "0" }, wake: state.wakePosition)
        }
    }
}
