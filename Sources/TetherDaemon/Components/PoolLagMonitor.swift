import Logging
import Synchronization
import TetherCore

/// Measures how late a timer on the cooperative pool wakes up, and beats while it does.
///
/// A pool that is blocked (a synchronous call where an await belongs) shows up here first: the lag
/// grows, a warning names it, and if the pool stops entirely the beats stop and so do the watchdog pings.
public final class PoolLagMonitor: Component {
    /// How often the monitor wakes.
    public static let tick: Duration = .seconds(1)
    /// A wake-up later than this is worth a warning.
    public static let warningLag: Duration = .milliseconds(250)
    /// At most one lag warning per this period, so a slow machine does not flood the journal.
    public static let warningInterval: Duration = .seconds(60)

    public struct Reading: Sendable, Equatable {
        public var last: Duration = .zero
        public var maximum: Duration = .zero
    }

    public let name = "pool-monitor"
    public var heartbeatInterval: Duration { Self.tick }
    private let time: TimeSource
    private let readings = Mutex(Reading())

    public init(time: TimeSource) { self.time = time }

    public var reading: Reading { readings.withLock { $0 } }

    public func run(context: ComponentContext) async throws {
        context.started()
        var deadline = time.now + Self.tick
        var lastWarning: Duration?
        while await context.sleep(until: deadline) {
            let now = time.now
            let lag = max(.zero, now - deadline)
            readings.withLock {
                $0.last = lag
                $0.maximum = max($0.maximum, lag)
            }
            context.beat()
            if lag > Self.warningLag, lastWarning.map({ now - $0 >= Self.warningInterval }) ?? true {
                lastWarning = now
                context.logger.warning(
                    "the cooperative thread pool is late: something is blocking it",
                    metadata: ["pool.lag_ms": "\(lag.milliseconds)"]
                )
            }
            deadline = max(deadline + Self.tick, now)
        }
    }
}
