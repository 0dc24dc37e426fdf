/// Exponential backoff that starts over after a success: the one retry policy of the daemon.
///
/// Each ``failure()`` returns the delay to wait and grows the next one by `multiplier`, up to
/// `maximum`; ``success()`` resets it to `initial`. Used by the control-client restart loop, the
/// output poller's idle schedule and every other loop that retries.
public struct Backoff: Sendable, Equatable {
    public var initial: Duration
    public var maximum: Duration
    public var multiplier: Double
    /// The delay the next failure will return.
    public private(set) var current: Duration
    /// Failures since the last success.
    public private(set) var failures = 0

    public init(initial: Duration, maximum: Duration, multiplier: Double = 2) {
        self.initial = initial
        self.maximum = max(initial, maximum)
        self.multiplier = max(1, multiplier)
        self.current = initial
    }

    /// Records a failure and returns how long to wait before trying again.
    public mutating func failure() -> Duration {
        let delay = current
        failures += 1
        current = min(maximum, current * multiplier)
        return delay
    }

    /// Records a success: the next failure waits `initial` again.
    public mutating func success() {
        current = initial
        failures = 0
    }
}
