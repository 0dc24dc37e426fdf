import Testing
import TetherCore

@Suite(.timeLimit(.minutes(1))) struct TimeSourceTests {
    @Test func aTestClockGivesWallTimeFromItsOriginPlusTheElapsedTime() {
        let clock = ManualClock()
        let time = TimeSource(clock: clock, wallOrigin: Timestamp(microseconds: 1_700_000_000_000_000))
        #expect(time.wallNow == Timestamp(microseconds: 1_700_000_000_000_000))
        clock.advance(by: .milliseconds(2500))
        #expect(time.wallNow == Timestamp(microseconds: 1_700_000_002_500_000))
        #expect(time.now == .milliseconds(2500))
    }

    @Test func theContinuousSourceGivesTheRealWallClock() {
        let before = Timestamp.now()
        let wall = TimeSource.continuous.wallNow
        let after = Timestamp.now()
        #expect(before <= wall && wall <= after)
    }
}
