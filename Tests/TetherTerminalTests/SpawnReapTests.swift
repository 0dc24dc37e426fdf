import Foundation
import Testing
@testable import TetherTerminal

/// Waiting for a child without spinning: it returns when the child exits, or at its bound.
@Suite(.timeLimit(.minutes(1))) struct SpawnReapTests {
    func start(_ script: String) throws -> SpawnedProcess {
        let child = try Spawn.start("/bin/sh", ["-c", script], environment: ["PATH": "/usr/bin:/bin"], pipeStdin: false, pipeStderr: false)
        close(child.stdout)
        return child
    }

    @Test func aChildThatExitsIsReapedWithItsStatusAsSoonAsItExits() throws {
        let child = try start("sleep 0.2; exit 7")
        let started = ContinuousClock.now
        #expect(Spawn.reap(child.pid, within: .seconds(20)) == 7)
        let waited = started.duration(to: .now)
        #expect(waited >= .milliseconds(150) && waited < .seconds(5), "\(waited)")
        #expect(Spawn.reap(child.pid) == -1, "already reaped")
    }

    @Test func aChildThatDoesNotExitIsLeftAtTheBoundAndAKilledOneReadsAsItsSignal() throws {
        let child = try start("exec sleep 30")
        let started = ContinuousClock.now
        #expect(Spawn.reap(child.pid, within: .milliseconds(200)) == nil)
        let waited = started.duration(to: .now)
        #expect(waited >= .milliseconds(200) && waited < .seconds(5), "\(waited)")
        kill(-child.pid, SIGKILL)
        #expect(Spawn.reap(child.pid, within: .seconds(20)) == 128 + SIGKILL)
    }

    @Test func pollTimeoutsRoundUpSoAWaitIsNeverCutShort() {
        #expect(Spawn.pollMilliseconds(.zero) == 0)
        #expect(Spawn.pollMilliseconds(.nanoseconds(1)) == 1)
        #expect(Spawn.pollMilliseconds(.milliseconds(250)) == 250)
        #expect(Spawn.pollMilliseconds(.seconds(1 << 40)) == Int32.max)
    }
}
