import Logging
import TetherCore
import Testing
@testable import TetherRedis

/// The link's reconnect schedule on a clock that moves only when told: the server is a unix socket
/// path that does not exist, so every attempt fails at once and nothing sleeps for real.
@Suite(.timeLimit(.minutes(1))) struct RedisLinkBackoffTests {
    private let clock = ManualClock()

    private func link() throws -> RedisLink {
        let options = try RedisConnectionOptions(url: "unix:///nonexistent/tether-test/redis.sock", password: "", passwordFile: "",
                                                 connectTimeout: .seconds(1), commandTimeout: .seconds(1), blockTimeout: .seconds(1))
        return RedisLink(options: options, time: TimeSource(clock: clock), logger: Logger(label: "test"))
    }

    @Test func failsFastDuringBackoffAndRetriesWhenItEnds() async throws {
        let link = try link()
        #expect(link.status == .idle)
        await #expect(throws: RedisError.self) { try await link.send(["PING"]) }
        #expect(link.metrics.connectFailures == 1)
        guard case .connecting(let error?) = link.status else { Issue.record("status \(link.status)"); return }
        #expect(error.code == .connect)
        #expect(error.message.contains("/nonexistent/tether-test/redis.sock"))

        // Within the first wait (1 s) no new attempt is made.
        await #expect(throws: RedisError.self) { try await link.send(["PING"]) }
        #expect(link.metrics.connectFailures == 1)
        clock.advance(by: RedisLink.reconnectInitial)
        await #expect(throws: RedisError.self) { try await link.send(["PING"]) }
        #expect(link.metrics.connectFailures == 2)

        // The wait has doubled: one second more is not enough, two are.
        clock.advance(by: .seconds(1))
        await #expect(throws: RedisError.self) { try await link.send(["PING"]) }
        #expect(link.metrics.connectFailures == 2)
        clock.advance(by: .seconds(1))
        await #expect(throws: RedisError.self) { try await link.send(["PING"]) }
        #expect(link.metrics.connectFailures == 3)
        #expect(link.metrics.commands["PING"] == nil)
        await link.close()
        #expect(link.status == .closed)
    }

    @Test func closeWakesAWaiterParkedInTheBackoff() async throws {
        let link = try link()
        await #expect(throws: RedisError.self) { try await link.send(["PING"]) }
        try await confirmation { closed in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    do { try await link.waitUntilConnected() } catch let error as RedisError { if error.code == .closed { closed() } }
                }
                // Wait (bounded) until the waiter sleeps on the clock, then close the link.
                _ = await eventually { clock.sleeperCount > 0 }
                #expect(clock.sleeperCount > 0)
                await link.close()
                try await group.waitForAll()
            }
        }
    }
}
