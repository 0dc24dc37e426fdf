import Logging
import Synchronization
import TetherCore

/// The host side of live screens between Tether daemons: while a peer holds a `watch_screen`
/// lease on a session of this computer (``ScreenLeases``), each new screen the poller publishes on
/// the event bus is written to that session's ``ScreenStream``; the current screen at once when a
/// watcher starts, and an end entry when the session ends. No lease, no write.
///
/// The bus handler only records the newest screen per watched session and wakes the writer, a
/// loop of its own on its own link (``run(until:)``): a slow Redis never holds up the bus, and
/// screens that pile up behind it are coalesced, the newest winning (at most one pending entry per
/// watched session, so memory is bounded by ``ScreenStream/maximumLeases``).
public final class ScreenPublisher: Sendable {
    /// After a write failed (Redis away), wait this long before the next try: the link's own
    /// backoff decides when to reconnect, this only keeps the loop from spinning on the same error.
    public static let writeRetryPause: Duration = .seconds(1)

    /// What waits to be written for one session.
    struct Pending {
        var screen: String?
        /// The final status, once the session ended; written after `screen`.
        var endStatus: String?
    }

    struct State {
        var leases = ScreenLeases(limit: ScreenStream.maximumLeases)
        var pending: [String: Pending] = [:]
        var wake: AsyncEvent?
        var failing = false
    }

    let sender: any RedisCommandSending
    let bus: EventBus
    let time: TimeSource
    let logger: Logger
    let state = Mutex(State())

    /// A publisher writing through `sender` (a link of its own, closed by the caller after
    /// ``run(until:)``) the screens `bus` carries.
    public init(sender: any RedisCommandSending, bus: EventBus, time: TimeSource, logger: Logger) {
        self.sender = sender
        self.bus = bus
        self.time = time
        self.logger = logger
    }

    /// Sessions watched now, for `/status`.
    public var watchedSessions: Int {
        let now = time.now
        return state.withLock { state in
            state.leases.prune(now: now)
            return state.leases.watches.count
        }
    }

    /// Follows the bus and writes what watched sessions show until `stop` fires.
    public func run(until stop: AsyncEvent) async {
        let subscription = bus.subscribe("redis.screens") { [self] event in observe(event) }
        while !stop.isFired {
            let (batch, wake) = state.withLock { state -> ([(String, Pending)], AsyncEvent?) in
                guard state.pending.isEmpty else {
                    defer { state.pending.removeAll() }
                    return (Array(state.pending), nil)
                }
                let wake = AsyncEvent()
                state.wake = wake
                return ([], wake)
            }
            if let wake {
                _ = await AsyncEvent.first(of: [wake, stop], timeout: nil, on: time)
                continue
            }
            for (index, (session, pending)) in batch.enumerated() where !stop.isFired {
                guard await write(pending, of: session) else {
                    for (session, pending) in batch[index...] { requeue(pending, of: session) }
                    _ = await stop.wait(timeout: Self.writeRetryPause, on: time)
                    break
                }
            }
        }
        bus.unsubscribe(subscription)
    }

    /// Gives `watcher` a lease of `lease` on `session` (see ``ScreenLeases/renew(_:watcher:until:now:)``).
    func watch(_ session: String, watcher: String, lease: Duration) -> ScreenLeases.Renewal {
        let now = time.now
        return state.withLock { $0.leases.renew(session, watcher: watcher, until: now + lease, now: now) }
    }

    /// Ends `watcher`'s lease on `session`; the others' go on.
    func release(_ session: String, watcher: String) {
        state.withLock { $0.leases.release(session, watcher: watcher) }
    }

    /// Queues `screen`, fetched for a watcher that just started, unless the bus offered a newer
    /// one since `seen` (the value ``watch(_:watcher:lease:)`` returned).
    func offerInitial(_ screen: String, of session: String, seen: UInt64) {
        let wake = state.withLock { state -> AsyncEvent? in
            guard state.leases.watches[session] != nil, !state.leases.offeredSince(session, seen: seen) else { return nil }
            state.pending[session, default: Pending()].screen = screen
            return state.wake.take()
        }
        wake?.fire()
    }

    /// The bus handler: records the screen of a watched session, or its end. Never waits.
    func observe(_ event: SessionEvent) {
        let now = time.now
        let wake = state.withLock { state -> AsyncEvent? in
            switch event {
            case .outputChanged(let id, let screen), .processExited(let id, let screen, _):
                guard state.leases.offerScreen(id, now: now) else { return nil }
                state.pending[id, default: Pending()].screen = screen
            case .ended(let session):
                guard state.leases.end(session.id, now: now) else { return nil }
                state.pending[session.id, default: Pending()].endStatus = session.status.rawValue
            case .created, .updated, .directoryChanged, .inputChanged:
                return nil
            }
            return state.wake.take()
        }
        wake?.fire()
    }

    /// Writes one session's pending entries; false when Redis refused or could not be reached.
    private func write(_ pending: Pending, of session: String) async -> Bool {
        do throws(RedisError) {
            if let screen = pending.screen { try await append(.screen(screen), to: session) }
            if let status = pending.endStatus { try await append(.ended(status: status, screen: nil), to: session) }
            if state.withLock({ $0.failing.exchange(false) }) { logger.info("screen stream writes work again") }
            return true
        } catch {
            if !state.withLock({ $0.failing.exchange(true) }) {
                logger.warning("cannot write a watched session's screen; retrying", metadata: ["session.id": "\(session)", "error": "\(error.message)"])
            }
            return false
        }
    }

    /// `XADD tether:screen:{id} MAXLEN ~ n * screen … timestamp … status …`, then `EXPIRE`.
    func append(_ entry: ScreenEntry, to session: String) async throws(RedisError) {
        let key = ScreenStream.key(session)
        var arguments = ["XADD", key, "MAXLEN", "~", String(ScreenStream.maximumLength), "*"]
        for field in entry.fields(at: time.wallNow) { arguments += [field.field, String(decoding: field.value, as: UTF8.self)] }
        _ = try await sender.send(arguments)
        _ = try await sender.send(["EXPIRE", key, String(ScreenStream.timeToLive.components.seconds)])
    }

    /// Puts back what could not be written, unless something newer came meanwhile.
    private func requeue(_ pending: Pending, of session: String) {
        state.withLock { state in
            var merged = state.pending[session] ?? Pending()
            merged.screen = merged.screen ?? pending.screen
            merged.endStatus = merged.endStatus ?? pending.endStatus
            state.pending[session] = merged
        }
    }
}

extension Bool {
    /// Sets the value and returns the one before.
    fileprivate mutating func exchange(_ value: Bool) -> Bool {
        defer { self = value }
        return self
    }
}
