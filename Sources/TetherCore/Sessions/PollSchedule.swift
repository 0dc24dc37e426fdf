/// When a session's screen is polled next: a state machine without I/O.
///
/// A change brings the next poll in at `minInterval` (fast while the screen changes) and resets the
/// idle backoff; each poll that finds nothing new (or fails) waits longer, starting at `interval`
/// and doubling up to `maxInterval`. Input typed into the session calls ``kick()``, so an answer is
/// seen within ``inputFollowUp`` even after a long idle spell.
public struct PollSchedule: Sendable, Equatable {
    public let minInterval: Duration
    public let interval: Duration
    public let maxInterval: Duration
    private var idle: Backoff
    /// The delay before the next poll.
    public private(set) var nextDelay: Duration

    public init(minInterval: Duration, interval: Duration, maxInterval: Duration) {
        self.minInterval = min(minInterval, interval)
        self.interval = interval
        self.maxInterval = max(interval, maxInterval)
        self.idle = Backoff(initial: interval, maximum: self.maxInterval)
        self.nextDelay = interval
    }

    /// Seconds, as the configuration gives them.
    public init(minInterval: Double, interval: Double, maxInterval: Double) {
        self.init(minInterval: .seconds(minInterval), interval: .seconds(interval), maxInterval: .seconds(maxInterval))
    }

    public mutating func screenChanged() {
        idle.success()
        nextDelay = minInterval
    }

    public mutating func screenUnchanged() {
        nextDelay = idle.failure()
    }

    /// A failed poll backs off like an idle one; the error itself is reported by the poller.
    public mutating func pollFailed() {
        nextDelay = idle.failure()
    }

    /// How soon after input the screen is looked at: long enough for a shell or an agent to echo
    /// and answer a keystroke, short enough that a client sees it at once.
    public static let inputFollowUp: Duration = .milliseconds(20)

    /// Input was sent: look very soon, then fast while the screen keeps changing.
    public mutating func kick() {
        idle.success()
        nextDelay = min(minInterval, Self.inputFollowUp)
    }
}
