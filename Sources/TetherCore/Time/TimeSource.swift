/// The daemon's time, taken from an injected `Clock` so tests can drive it by hand: monotonic time
/// for deadlines and schedules, wall time for the timestamps that go into records.
///
/// Instants are kept as the `Duration` since the source was made, which lets plain values (heartbeats,
/// deadlines) be compared and stored without carrying the clock's `Instant` type around.
public struct TimeSource: Sendable {
    private let elapsed: @Sendable () -> Duration
    private let sleeper: @Sendable (Duration) async throws -> Void
    private let wall: @Sendable () -> Timestamp

    /// Monotonic time from `clock`; wall time from the system's real-time clock.
    public init<C: Clock<Duration>>(clock: C) {
        let origin = clock.now
        elapsed = { origin.duration(to: clock.now) }
        sleeper = { try await clock.sleep(until: origin.advanced(by: $0), tolerance: nil) }
        wall = { Timestamp.now() }
    }

    /// Monotonic time from `clock`, and wall time that starts at `wallOrigin` and moves with it, so a
    /// test clock gives reproducible timestamps.
    public init<C: Clock<Duration>>(clock: C, wallOrigin: Timestamp) {
        let origin = clock.now
        let elapsed: @Sendable () -> Duration = { origin.duration(to: clock.now) }
        self.elapsed = elapsed
        sleeper = { try await clock.sleep(until: origin.advanced(by: $0), tolerance: nil) }
        wall = {
            let (seconds, attoseconds) = elapsed().components
            return Timestamp(microseconds: wallOrigin.microseconds + seconds * 1_000_000 + attoseconds / 1_000_000_000_000)
        }
    }

    /// The real monotonic clock, and the real wall clock (`CLOCK_REALTIME`).
    public static var continuous: TimeSource { TimeSource(clock: ContinuousClock()) }

    /// Time since this source was made.
    public var now: Duration { elapsed() }

    /// The wall-clock time now, for the timestamps kept in records (created, last activity, closed).
    public var wallNow: Timestamp { wall() }

    /// Sleeps until `now` reaches `instant`; throws `CancellationError` when cancelled.
    public func sleep(until instant: Duration) async throws { try await sleeper(instant) }

    /// Sleeps for `duration`; throws `CancellationError` when cancelled.
    public func sleep(for duration: Duration) async throws { try await sleeper(now + duration) }
}
