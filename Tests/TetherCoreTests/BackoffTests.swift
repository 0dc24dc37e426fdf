import Testing
import TetherCore

@Suite(.timeLimit(.minutes(1))) struct BackoffTests {
    @Test func growsToTheMaximumAndStartsOverAfterASuccess() {
        var backoff = Backoff(initial: .milliseconds(500), maximum: .seconds(3))
        let delays = (0..<5).map { _ in backoff.failure() }
        #expect(delays == [.milliseconds(500), .seconds(1), .seconds(2), .seconds(3), .seconds(3)])
        #expect(backoff.failures == 5)
        backoff.success()
        #expect(backoff.failures == 0)
        #expect(backoff.failure() == .milliseconds(500))
    }

    @Test func pollScheduleIsFastOnChangeAndBacksOffWhileIdle() {
        var schedule = PollSchedule(minInterval: 0.1, interval: 1.0, maxInterval: 8.0)
        #expect(schedule.nextDelay == .seconds(1))
        schedule.screenChanged()
        #expect(schedule.nextDelay == .milliseconds(100))
        var idle: [Duration] = []
        for _ in 0..<6 {
            schedule.screenUnchanged()
            idle.append(schedule.nextDelay)
        }
        #expect(idle == [.seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(8), .seconds(8)])
        schedule.screenChanged()
        schedule.screenUnchanged()
        #expect(schedule.nextDelay == .seconds(1), "a change resets the idle backoff")
        schedule.screenUnchanged()
        schedule.kick()
        #expect(schedule.nextDelay == PollSchedule.inputFollowUp, "input brings the next poll in")
        schedule.pollFailed()
        #expect(schedule.nextDelay == .seconds(1))
    }
}
