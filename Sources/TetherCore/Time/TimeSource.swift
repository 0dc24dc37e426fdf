/// The daemon's monotonic time, taken from an injected `Clock` so tests can drive it by hand.
///
/// Instants are kept as the `Duration` since the source was made, which lets plain values (heartbeats,
/// deadlines) be compared and stored without carrying the clock's `Instant` type around.
public struct TimeSource: Sendable {
    private let elapsed: @Sendable () -> Duration
    private let sleeper: @Sendable (Duration) async throws -> Void

    public init<C: Clock<Duration>>(clock: C) {
        let origin = clock.now
        elapsed = { origin.duration(to: clock.now) }
        sleeper = { try await clock.sleep(until: origin.advanced(by: $0), tolerance: nil) }
    }

    /// The real monotonic clock.
    public static var continuous: TimeSource { TimeSource(clock: ContinuousClock()) }

    /// Time since this source was made.
    public var now: Duration { elapsed() }

    /// Sleeps until `now` reaches `instant`; throws `CancellationError` when cancelled.
    public func sleep(until instant: Duration) async throws { try await sleeper(instant) }

    /// Sleeps for `duration`; throws `CancellationError` when cancelled.
    public func sleep(for duration: Duration) async throws { try await sleeper(now + duration) }
}
