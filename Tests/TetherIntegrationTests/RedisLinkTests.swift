import Foundation
import Logging
import TetherCore
import TetherRedis
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite(.serialized, .timeLimit(.minutes(3))) struct RedisLinkTests {
    private func link(_ server: RedisServer) throws -> RedisLink {
        RedisLink(options: try redisOptions(server.url()), time: .continuous, logger: Logger(label: "redis-test"))
    }

    @Test func scanFindsExactlyTheMatchingKeysAndNeverSendsKeys() async throws {
        let server = try await RedisServer()
        defer { server.remove() }
        let link = try link(server)
        let total = 10_000
        let batch = 1000
        var wanted = Set<String>()
        for start in stride(from: 0, to: total, by: batch) {
            var arguments = ["MSET"]
            for index in start..<(start + batch) {
                let key = index % 3 == 0 ? "computer:host\(index):heartbeat" : "other:\(index)"
                if index % 3 == 0 { wanted.insert(key) }
                arguments += [key, "v"]
            }
            _ = try await link.send(arguments)
        }
        #expect(try await link.send(["DBSIZE"]) == .integer(Int64(total)))

        let result = try await link.scanAll(match: "computer:*:heartbeat", limit: 100_000)
        #expect(!result.truncated)
        #expect(result.keys.count == wanted.count)
        #expect(Set(result.keys) == wanted)
        #expect(result.calls >= total / RedisScanSequence.count)

        var steps = 0
        var seen = Set<String>()
        for try await keys in link.scan(match: "other:1*") {
            steps += 1
            seen.formUnion(keys)
        }
        #expect(steps > 1)
        #expect(seen.allSatisfy { $0.hasPrefix("other:1") } && !seen.isEmpty)

        let capped = try await link.scanAll(match: "computer:*", limit: 10)
        #expect(capped.truncated && capped.keys.count == 10)

        let stats = try #require(try await link.send(["INFO", "commandstats"]).string)
        #expect(stats.contains("cmdstat_scan"))
        #expect(!stats.contains("cmdstat_keys"))
        #expect((link.metrics.commands["SCAN"] ?? 0) == result.calls + steps + capped.calls)
        await link.close()
    }

    @Test func reconnectsAfterTheServerIsKilledAndRestarted() async throws {
        let server = try await RedisServer(appendonly: true)
        defer { server.remove() }
        let link = try link(server)
        #expect(try await link.send(["SET", "survives", "yes"]) == .status("OK"))
        #expect(link.status == .connected)

        await server.kill(SIGKILL)
        // The old connection breaks on its next use; with the server gone, the link keeps trying.
        await #expect(throws: RedisError.self) { try await link.send(["GET", "survives"]) }
        let down = await eventually(timeout: .seconds(5)) {
            _ = try? await link.send(["PING"])
            if case .connecting(_?) = link.status { return true } else { return false }
        }
        #expect(down)

        try await server.start()
        let back = await eventually(timeout: .seconds(15)) { (try? await link.send(["GET", "survives"]))?.string == "yes" }
        #expect(back)
        #expect(link.status == .connected)
        #expect(link.metrics.reconnects == 1)
        #expect(link.metrics.connectFailures >= 1)
        await link.close()
        #expect(link.status == .closed)
        await #expect { try await link.send(["PING"]) } throws: { ($0 as? RedisError)?.code == .closed }
    }

    @Test func anUnblockedLinkReconnectsOnTheNextCommand() async throws {
        let server = try await RedisServer()
        defer { server.remove() }
        let link = try link(server)
        #expect(try await link.send(["PING"]) == .status("PONG"))
        link.unblock()
        // The shut connection is dropped and a new one made, without a failed command.
        #expect(try await link.send(["PING"]) == .status("PONG"))
        #expect(link.metrics.reconnects == 1)
        #expect(link.metrics.failures["PING"] == nil)
        await link.close()
    }

    /// A connection that broke under a command leaves `.closed` as the link's last error. A reply
    /// writer that then waits for Redis (it waits up to five seconds) must wait, not take that for
    /// the link being closed and drop its reply at once. On a manual clock, so the writer meets the
    /// link inside its one-connect-per-interval window (the same moment the cut read connected in).
    @Test func aReplyWriterWaitsOutABrokenConnectionInsteadOfGivingUp() async throws {
        let server = try await RedisServer()
        defer { server.remove() }
        let clock = ManualClock()
        let time = TimeSource(clock: clock)
        let link = RedisLink(options: try redisOptions(server.url()), time: time, logger: Logger(label: "redis-test"))
        // A blocking read cut under way: its connection is dropped with `.closed` as the last error.
        let watcher = try self.link(server)
        async let cut: Void = { _ = try? await link.sendBlocking(["XREAD", "BLOCK", "30000", "STREAMS", "s", "$"], block: .seconds(30)) }()
        #expect(await eventually { (try? await watcher.send(["INFO", "clients"]).string)?.contains("blocked_clients:1") == true })
        link.unblock()
        await cut
        await watcher.close()
        guard case .connecting(let last?) = link.status, last.code == .closed else {
            Issue.record("the cut read should leave a closed connection behind: \(link.status)")
            return
        }
        let writer = ReplyWriter(sender: link, computer: "me", time: time)
        let written = await withTaskGroup(of: Bool.self) { group in
            group.addTask {  // registry-exempt: the writer under test, awaited below
                do { try await writer.write(Array("{}".utf8), answering: "1-0") } catch { return false }
                return true
            }
            group.addTask {  // registry-exempt: moves the manual clock while the writer waits on it
                let end = ContinuousClock.now + .seconds(10)
                while ContinuousClock.now < end, !Task.isCancelled {
                    if clock.sleeperCount > 0 { clock.advance(by: .milliseconds(100)) }
                    await Task.yield()
                }
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        #expect(written, "the reply was written once the link reconnected")
        #expect(try await link.send(["XLEN", RedisKeys.reply(to: "1-0")]) == .integer(1))
        await link.close()
    }

    @Test func closeEndsAPendingBlockingReadAtOnce() async throws {
        let server = try await RedisServer()
        defer { server.remove() }
        let link = try self.link(server)
        let watcher = try self.link(server)
        try await withThrowingTaskGroup(of: RedisError?.self) { group in
            group.addTask {
                do throws(RedisError) {
                    _ = try await link.sendBlocking(["XREAD", "BLOCK", "5000", "STREAMS", "s", "$"], block: .seconds(5))
                    return nil
                } catch { return error }
            }
            let blocked = await eventually { (try? await watcher.send(["INFO", "clients"]).string)?.contains("blocked_clients:1") == true }
            #expect(blocked)
            let start = ContinuousClock.now
            await link.close()
            let error = try await group.next() ?? nil
            #expect(ContinuousClock.now - start < promptly)
            #expect(error?.code == .closed)
        }
        await watcher.close()
    }
}
