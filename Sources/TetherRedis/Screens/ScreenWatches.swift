import Logging
import Synchronization
import TetherCore

/// The screen watches of this computer (``ScreenWatch``), as the peer gateway's `watchScreen`
/// starts them: each holds a blocking Redis link (a connection and a thread), so at most
/// ``maximumLinked`` do at once; beyond that a watch polls its host with `get_session_data`
/// through the shared requester instead, which costs no link.
public final class ScreenWatches: Sendable {
    /// Watches reading a screen stream at once: each is a connection and a thread, and a person
    /// follows a handful of remote tails (the hub shares one watch among all its clients of a session).
    public static let maximumLinked = 32

    let options: RedisConnectionOptions
    let isOnline: @Sendable (String) -> Bool
    let registry: TaskRegistry
    let time: TimeSource
    let logger: Logger
    private let linked = Mutex(0)

    /// Watches reading on links to `options`; `isOnline` tells whether a host is still an online peer.
    public init(options: RedisConnectionOptions, isOnline: @escaping @Sendable (String) -> Bool, registry: TaskRegistry,
                time: TimeSource, logger: Logger) {
        self.options = options
        self.isOnline = isOnline
        self.registry = registry
        self.time = time
        self.logger = logger
    }

    /// Watches holding a link now.
    public var linkedCount: Int { linked.withLock { $0 } }

    /// The screens of `sessionID` on `host`, asked for through `requester`, until the consumer stops
    /// iterating (see ``ScreenWatch``).
    public func watch(on host: String, sessionID: String, requester: any ScreenWatchRequesting) -> AsyncStream<RemoteScreen> {
        // Reserved before the watch starts, so concurrent watches never pass the bound together.
        let reserved = linked.withLock { count -> Bool in
            guard count < Self.maximumLinked else { return false }
            count += 1
            return true
        }
        if !reserved {
            logger.warning("too many screen watches hold a link; this one polls its host", metadata: ["session.id": "\(sessionID)"])
        }
        // Given back once: when the watch ends, or earlier when its host turns out to be polled
        // (a Python host), since a polling watch holds no link.
        let held = Mutex(reserved)
        let giveBack: @Sendable () -> Void = { [self] in
            if held.withLock({ was in defer { was = false }; return was }) { linked.withLock { $0 -= 1 } }
        }
        let watch = ScreenWatch(host: host, sessionID: sessionID, requester: requester, options: options, isOnline: isOnline,
                                registry: registry, time: time, logger: logger, pollOnly: !reserved, onPolling: giveBack)
        return watch.start(onEnd: giveBack)
    }
}
