import Foundation
import TetherCore
import TetherRedis
import Testing
#if canImport(Glibc)
import Glibc
#endif

func redisOptions(_ url: String, password: String = "", connect: Duration = .seconds(2), command: Duration = .seconds(2),
                  block: Duration = .seconds(5)) throws -> RedisConnectionOptions {
    try RedisConnectionOptions(url: url, password: password, passwordFile: "", connectTimeout: connect,
                               commandTimeout: command, blockTimeout: block)
}

/// Runs `body` and returns what it threw (nil if nothing) and how long it took.
func timed<T>(_ body: () async throws -> T) async -> (error: (any Error)?, elapsed: Duration) {
    let start = ContinuousClock.now
    do {
        _ = try await body()
        return (nil, ContinuousClock.now - start)
    } catch {
        return (error, ContinuousClock.now - start)
    }
}

@Suite(.serialized, .timeLimit(.minutes(3))) struct RedisConnectionTests {
    @Test func pingSetGetAreBinarySafe() async throws {
        let server = try await RedisServer()
        defer { server.remove() }
        let connection = try await RedisConnection.open(try redisOptions(server.url()))
        #expect(try await connection.send(["PING"]) == .status("PONG"))
        let key: [UInt8] = Array("bin:".utf8) + [0, 10, 255]
        let value: [UInt8] = [0, 13, 10, 0xff, 0x80, 0, 36]
        #expect(try await connection.send(bytes: [Array("SET".utf8), key, value]) == .status("OK"))
        #expect(try await connection.send(bytes: [Array("GET".utf8), key]) == .bulk(value))
        #expect(try await connection.send(["GET", "missing"]) == .null)
        await #expect { try await connection.send(bytes: [Array("INCR".utf8), key]) } throws: { error in
            (error as? RedisError)?.code == .server && (error as? RedisError)?.serverCode == "ERR"
        }
        // A server error leaves the connection usable.
        #expect(try await connection.send(["INCR", "n"]) == .integer(1))
        await connection.close()
    }

    @Test func authWithTheRightPasswordAndAClearErrorForAWrongOne() async throws {
        let server = try await RedisServer(password: "right-horse-battery")
        defer { server.remove() }
        let good = try await RedisConnection.open(try redisOptions(server.url(password: "right-horse-battery")))
        #expect(try await good.send(["PING"]) == .status("PONG"))
        await good.close()

        let wrong = await timed { try await RedisConnection.open(try redisOptions(server.url(), password: "wrong-staple")) }
        let error = try #require(wrong.error as? RedisError)
        #expect(error.code == .auth)
        #expect(error.message.contains("127.0.0.1:\(server.port)") && error.message.contains("redis.password"))
        #expect(!error.message.contains("wrong-staple") && !error.message.contains("right-horse-battery"))

        let none = try await RedisConnection.open(try redisOptions(server.url()))
        await #expect { try await none.send(["GET", "k"]) } throws: { ($0 as? RedisError)?.code == .auth }
        await none.close()
    }

    @Test func selectsTheURLsDatabase() async throws {
        let server = try await RedisServer()
        defer { server.remove() }
        let three = try await RedisConnection.open(try redisOptions(server.url(database: 3)))
        let zero = try await RedisConnection.open(try redisOptions(server.url()))
        _ = try await three.send(["SET", "where", "db3"])
        #expect(try await three.send(["GET", "where"]).string == "db3")
        #expect(try await zero.send(["GET", "where"]) == .null)
        #expect(try await zero.send(["SELECT", "3"]) == .status("OK"))
        #expect(try await zero.send(["GET", "where"]).string == "db3")
        await three.close()
        await zero.close()
    }

    @Test func connectToAClosedPortFailsWithinTheConnectDeadline() async throws {
        let port = RedisServer.freePort()
        let outcome = await timed { try await RedisConnection.open(try redisOptions("redis://127.0.0.1:\(port)", connect: .seconds(1))) }
        let error = try #require(outcome.error as? RedisError)
        #expect(error.code == .connect)
        #expect(error.message.contains("127.0.0.1:\(port)"))
        #expect(outcome.elapsed < .seconds(1) + .milliseconds(500))
    }

    @Test func aStoppedServerFailsTheCommandWithinTheCommandDeadline() async throws {
        let server = try await RedisServer()
        defer { server.remove() }
        let connection = try await RedisConnection.open(try redisOptions(server.url(), command: .milliseconds(500)))
        server.pause()
        let outcome = await timed { try await connection.send(["GET", "k"]) }
        server.resume()
        let error = try #require(outcome.error as? RedisError)
        #expect(error.code == .timeout)
        #expect(error.message.contains("GET") && error.message.contains("500 ms"))
        #expect(outcome.elapsed >= .milliseconds(400) && outcome.elapsed < .seconds(2))
        // Broken for good: the next command says so at once instead of reading a stale reply.
        await #expect { try await connection.send(["PING"]) } throws: { ($0 as? RedisError)?.code == .closed }
        await connection.close()
    }

    @Test func shutdownUnblocksAPendingBlockingRead() async throws {
        let server = try await RedisServer()
        defer { server.remove() }
        let reader = try await RedisConnection.open(try redisOptions(server.url()))
        let watcher = try await RedisConnection.open(try redisOptions(server.url()))
        try await withThrowingTaskGroup(of: (error: (any Error)?, elapsed: Duration).self) { group in
            group.addTask {
                await timed { try await reader.sendBlocking(["XREAD", "BLOCK", "5000", "STREAMS", "s", "$"], block: .seconds(5)) }
            }
            let blocked = await eventually {
                let info = try? await watcher.send(["INFO", "clients"]).string
                return info?.contains("blocked_clients:1") == true
            }
            #expect(blocked)
            let start = ContinuousClock.now
            reader.unblock()
            let outcome = try await group.next()
            let sinceUnblock = ContinuousClock.now - start
            #expect((outcome?.error as? RedisError)?.code == .closed)
            #expect(sinceUnblock < promptly)
        }
        await reader.close()
        await watcher.close()
    }

    @Test func cancellingABlockingReadShutsItsSocket() async throws {
        let server = try await RedisServer()
        defer { server.remove() }
        let reader = try await RedisConnection.open(try redisOptions(server.url()))
        let watcher = try await RedisConnection.open(try redisOptions(server.url()))
        try await withThrowingTaskGroup(of: (error: (any Error)?, elapsed: Duration).self) { group in
            group.addTask {
                await timed { try await reader.sendBlocking(["XREAD", "BLOCK", "5000", "STREAMS", "s", "$"], block: .seconds(5)) }
            }
            #expect(await eventually { (try? await watcher.send(["INFO", "clients"]).string)?.contains("blocked_clients:1") == true })
            let start = ContinuousClock.now
            group.cancelAll()
            let outcome = try await group.next()
            #expect(ContinuousClock.now - start < promptly)
            #expect((outcome?.error as? RedisError)?.code == .closed)
        }
        #expect(reader.brokenBy != nil)
        await reader.close()
        await watcher.close()
    }

    @Test func rejectsRedissWithoutATunnel() async throws {
        let outcome = await timed { try await RedisConnection.open(try redisOptions("rediss://127.0.0.1:1")) }
        let error = try #require(outcome.error as? RedisError)
        #expect(error.code == .connect)
        #expect(error.message.contains("TLS is needed for rediss://"))
    }
}
