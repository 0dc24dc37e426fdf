/// One deadline for a whole exchange (connect, send and every read): a daemon that sends one byte just
/// before each per-read limit runs out would never time out under such limits; under this one it does.
struct ClientDeadline {
    let budget: Duration
    let instant: ContinuousClock.Instant

    init(_ budget: Duration) {
        self.budget = budget
        self.instant = ContinuousClock.now + budget
    }

    /// Time left, zero once passed.
    var remaining: Duration { max(.zero, ContinuousClock.now.duration(to: instant)) }
    var hasPassed: Bool { ContinuousClock.now >= instant }

    /// `remaining` in whole milliseconds, rounded up so a poll never returns a hair early, clamped for `poll`.
    var pollMilliseconds: Int32 {
        let (seconds, attoseconds) = remaining.components
        let milliseconds = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int32(clamping: milliseconds)
    }
}
