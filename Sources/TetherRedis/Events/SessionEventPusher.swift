import Logging
import Synchronization
import TetherCore

/// Pushes this computer's own session changes to `session_events:{peer}` of every online peer
/// whose heartbeat holds `sessions` in `interested_in` (PROTOCOL.md §4), on a link of its own.
///
/// It listens to the local event bus only, and only to sessions this computer hosts: what peers
/// sent never comes back out (§9 defect 11). The bus handler only queues, so a slow or absent
/// Redis never holds up the bus: the queue keeps each session's latest change, drops the oldest
/// when full (counted, one log line per streak), and is pushed once the link is back.
/// `session_created` is not sent: every receiver ignores it (§4), and the `session_updated` that
/// follows carries the same summary.
public final class SessionEventPusher: Sendable {
    /// Sessions with a change waiting: far more than one computer runs, so only a long Redis
    /// outage under heavy churn ever drops one.
    public static let queueCapacity = 1024
    /// Changes taken per round: small enough that a stop is never held up by a long batch.
    static let batchSize = 64
    /// The pause after each batch: a session whose screen changes on every poll costs its peers at
    /// most two entries a second (its changes meanwhile coalesce into the latest), while the first
    /// change after a quiet spell still goes out at once.
    public static let batchPause: Duration = .milliseconds(500)
    /// How often held changes look again for peers after Redis came back: one lock, and discovery
    /// finds the peers again within its own retry pause.
    static let discoveryPoll: Duration = .seconds(1)
    /// The topic a peer's heartbeat must hold to be pushed to.
    public static let topic = "sessions"

    let link: RedisLink
    let computer: String
    let bus: EventBus
    let directory: PeerDirectory
    let tally: SessionEventTally
    let time: TimeSource
    let logger: Logger
    let state: Mutex<State>

    struct State {
        var queue: SessionEventQueue
        var wake = AsyncEvent()
        /// Set at the first drop of a streak, cleared once the queue is pushed empty.
        var dropping = false
        /// Set at the first failed write of a streak, cleared by the next success.
        var failing = false
        /// Peers whose stream Redis refused, logged once until a write to them succeeds.
        var refused: Set<String> = []
        /// The discovery round during which a write last failed; nil once a round finished after it.
        var failedInRound: Int?
    }

    /// A pusher for `computer` over its own link to `options`, pushing to the peers `directory` sees.
    public init(options: RedisConnectionOptions, computer: String, bus: EventBus, directory: PeerDirectory, tally: SessionEventTally,
         queueCapacity: Int = SessionEventPusher.queueCapacity, time: TimeSource, logger: Logger) {
        link = RedisLink(options: options, name: "redis.events.push", time: time, logger: logger)
        self.computer = computer
        self.bus = bus
        self.directory = directory
        self.tally = tally
        self.time = time
        self.logger = logger
        state = Mutex(State(queue: SessionEventQueue(capacity: queueCapacity)))
    }

    /// Pushes until `stop` fires; changes still queued then are dropped (peers re-pull with
    /// `list_sessions` when they need the full picture). Call it once: it closes its link.
    public func run(until stop: AsyncEvent) async {
        let subscription = bus.subscribe("redis.session-events") { [self] event in accept(event) }
        await withDiscardingTaskGroup { group in
            group.addTask {  // registry-exempt: a stop watcher that ends before run() returns
                if await stop.wait() { await self.link.close() }
            }
            await pushLoop(until: stop)
            group.cancelAll()
        }
        bus.unsubscribe(subscription)
        await link.close()
    }

    /// Queues a change of a session this computer hosts; anything else is not ours to push.
    func accept(_ event: SessionEvent) {
        let change: SessionEventQueue.Change
        switch event {
        case .created(let session), .updated(let session):
            guard session.computer == computer else { return }
            change = .updated(session)
        case .ended(let session):
            guard session.computer == computer else { return }
            change = .removed(sessionID: session.id)
        case .outputChanged, .directoryChanged, .processExited, .inputChanged:
            return
        }
        enqueue(SessionEventQueue.Pending(sessionID: event.sessionID, change: change, at: time.wallNow))
    }

    private func enqueue(_ item: SessionEventQueue.Pending) {
        let (outcome, wake, firstDrop) = state.withLock { state in
            let outcome = state.queue.append(item)
            let firstDrop = outcome == .droppedOldest && !state.dropping
            if outcome == .droppedOldest { state.dropping = true }
            return (outcome, state.wake, firstDrop)
        }
        switch outcome {
        case .queued: break
        case .coalesced: tally.add { $0.coalesced += 1 }
        case .droppedOldest: tally.add { $0.dropped += 1 }
        }
        if firstDrop {
            logger.warning("session events for peers are piling up (Redis slow or away); the oldest are dropped",
                           metadata: ["queue.capacity": "\(state.withLock { $0.queue.capacity })"])
        }
        wake.fire()
    }

    private func pushLoop(until stop: AsyncEvent) async {
        while let batch = await nextBatch(until: stop) {
            let peers = directory.interested(in: Self.topic).map(\.name).filter { $0 != computer }
            guard !peers.isEmpty else {
                if awaitsDiscovery {
                    // Redis was away and discovery has not seen the peers again yet: hold the changes.
                    restore(batch)
                    if await stop.wait(timeout: Self.discoveryPoll, on: time) { return }
                }
                // Nobody listening: the feed is live, not history, so there is nothing to keep.
                continue
            }
            if let unsent = await push(batch, to: peers) {
                restore(unsent)
                state.withLock { $0.failedInRound = directory.counters.rounds }
                do {
                    try await link.waitUntilConnected()
                } catch {
                    return
                }
            } else {
                state.withLock { state in
                    if state.queue.isEmpty { state.dropping = false }
                }
                if await stop.wait(timeout: Self.batchPause, on: time) { return }
            }
        }
    }

    /// The next changes to push, waiting for one; nil once `stop` fired.
    private func nextBatch(until stop: AsyncEvent) async -> [SessionEventQueue.Pending]? {
        while !stop.isFired {
            let (batch, wake) = state.withLock { state -> ([SessionEventQueue.Pending], AsyncEvent) in
                let batch = state.queue.take(Self.batchSize)
                if batch.isEmpty, state.wake.isFired { state.wake = AsyncEvent() }
                return (batch, state.wake)
            }
            if !batch.isEmpty { return batch }
            _ = await AsyncEvent.first(of: [wake, stop], timeout: nil, on: time)
        }
        return nil
    }

    /// True while no peer is online after a failed write and no discovery round has finished since:
    /// the directory was emptied because Redis was away, not because the peers left.
    private var awaitsDiscovery: Bool {
        let (round, anyoneOnline) = (directory.counters.rounds, !directory.peers.isEmpty)
        return state.withLock { state in
            guard let failed = state.failedInRound else { return false }
            if round != failed || anyoneOnline {
                state.failedInRound = nil
                return false
            }
            return true
        }
    }

    /// Logs the first failed write of a streak (the link logs the lost connection itself).
    func reportFailure(_ error: RedisError) {
        let first = state.withLock { state -> Bool in
            defer { state.failing = true }
            return !state.failing
        }
        guard first, error.code != .closed else { return }
        logger.warning("cannot push session events to peers; the latest change of each session waits for Redis",
                       metadata: ["error": "\(error.message)"])
    }

    /// A batch went out: the next failure starts a new streak.
    func recovered() {
        state.withLock { $0.failing = false }
    }

    private func restore(_ items: [SessionEventQueue.Pending]) {
        let dropped = state.withLock { $0.queue.restore(items) }
        if dropped > 0 { tally.add { $0.dropped += dropped } }
    }
}
