import Foundation
import Testing
import TetherRedis
#if canImport(Glibc)
import Glibc
#endif

/// How the tunnel ends: by `close()`, and by the server going away under hiredis.
extension TLSTunnelTests {
    @Test func closeEndsThePumpThreadAndClosesItsDescriptors() async throws {
        let certificates = try await TestCertificates.make()
        let server = try await TLSRedisServer(certificate: certificates.server.certificate, key: certificates.server.key, caFile: certificates.caFile)
        defer { certificates.remove() }
        let options = TLSOptions(caFile: certificates.caFile)
        let port = Int(server.tlsPort)
        let pumpsBefore = Self.pumpThreads()
        let before = Self.openDescriptors()
        let opened = await onOwnThread { try? TLSTunnel.open(host: "127.0.0.1", port: port, options: options, timeout: Self.deadline) }
        let tunnel = try #require(opened)
        // Ours: what appeared during open (the TCP socket, the socketpair, the wake pipe), by number and target.
        let ours = Self.openDescriptors().filter { before[$0.key] != $0.value }
        #expect(ours.count >= 4, "the tunnel should hold its TCP socket, both socketpair ends and a wake pipe: \(ours)")
        #expect(await eventually(timeout: .seconds(2)) { Self.pumpThreads() == pumpsBefore + 1 }, "no pump thread is running: \(Self.threadNames())")
        #expect(tunnel.endReason == nil)

        await onOwnThread { tunnel.close(); tunnel.close() }  // a second close is harmless
        Glibc.close(tunnel.fileDescriptor)  // never handed to hiredis, so it is ours to close
        let left = Self.openDescriptors()
        let leaked = ours.filter { left[$0.key] == $0.value }
        await server.stop()
        #expect(leaked.isEmpty, "descriptors the tunnel opened are still open: \(leaked)")
        #expect(tunnel.endReason == "closed by its owner")
        #expect(await eventually(timeout: .seconds(2)) { Self.pumpThreads() == pumpsBefore }, "the pump thread is still running")
    }

    @Test func theServerGoingAwayGivesHiredisAnEndOfFileNotAHang() async throws {
        let certificates = try await TestCertificates.make()
        let server = try await TLSRedisServer(certificate: certificates.server.certificate, key: certificates.server.key, caFile: certificates.caFile)
        defer { certificates.remove() }
        let options = TLSOptions(caFile: certificates.caFile)
        let port = Int(server.tlsPort)
        let connected = await onOwnThread { () -> (TLSTunnel, BlockingRedis)? in
            guard let tunnel = try? TLSTunnel.open(host: "127.0.0.1", port: port, options: options, timeout: Self.deadline),
                  let redis = BlockingRedis(fileDescriptor: tunnel.fileDescriptor, timeout: Self.commandTimeout) else { return nil }
            return (tunnel, redis)
        }
        let (tunnel, redis) = try #require(connected)
        #expect(await onOwnThread { redis.command(["SET", "k", "v"]) } == .status("OK"))

        await server.kill()
        let clock = ContinuousClock()
        let start = clock.now
        let reply = await onOwnThread { redis.command(["GET", "k"]) }
        let elapsed = clock.now - start
        await onOwnThread { tunnel.close() }
        await server.stop()
        guard case .failed(let code, let message) = reply else {
            Issue.record("hiredis got a reply from a dead server: \(reply)")
            return
        }
        // REDIS_ERR_EOF (3): the tunnel half-closes hiredis's socket, so its write lands and its read sees the end.
        #expect(code == 3, "\(code): \(message)")
        #expect(elapsed < Self.commandTimeout / 2, "hiredis waited \(elapsed) for a server that was gone")
        #expect(tunnel.endReason != nil)
    }

    @Test func hiredisClosingItsEndEndsThePump() async throws {
        let certificates = try await TestCertificates.make()
        let server = try await TLSRedisServer(certificate: certificates.server.certificate, key: certificates.server.key, caFile: certificates.caFile)
        defer { certificates.remove() }
        let options = TLSOptions(caFile: certificates.caFile)
        let port = Int(server.tlsPort)
        let pumpsBefore = Self.pumpThreads()
        let outcome = await onOwnThread { () -> (TLSTunnel, BlockingRedis.Reply)? in
            guard let tunnel = try? TLSTunnel.open(host: "127.0.0.1", port: port, options: options, timeout: Self.deadline),
                  let redis = BlockingRedis(fileDescriptor: tunnel.fileDescriptor, timeout: Self.commandTimeout) else { return nil }
            return (tunnel, redis.command(["PING"]))  // redis goes out of scope here: redisFree closes its end
        }
        let (tunnel, reply) = try #require(outcome)
        #expect(reply == .status("PONG"))
        let ended = await eventually(timeout: .seconds(2)) { tunnel.endReason != nil }
        #expect(ended && tunnel.endReason == "the client closed its socket", "\(tunnel.endReason ?? "still pumping")")
        #expect(await eventually(timeout: .seconds(2)) { Self.pumpThreads() == pumpsBefore })
        await onOwnThread { tunnel.close() }  // after the pump ended by itself: closes the half-closed end
        await server.stop()
    }

    /// This process's open descriptors: number → what it points at (`socket:[…]`, `pipe:[…]`).
    static func openDescriptors() -> [Int32: String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        var result: [Int32: String] = [:]
        for name in names {
            guard let fd = Int32(name), let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(name)") else { continue }
            result[fd] = target
        }
        return result
    }

    static func threadNames() -> [String] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        return tasks.map { (try? String(contentsOfFile: "/proc/self/task/\($0)/comm", encoding: .utf8)) ?? "" }
    }

    /// How many tunnel pump threads run in this process (they are named `tls-pump`).
    static func pumpThreads() -> Int {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        return tasks.filter { task in
            let name = (try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8)) ?? ""
            return name.trimmingCharacters(in: .whitespacesAndNewlines) == TLSTunnel.pumpThreadName
        }.count
    }
}
