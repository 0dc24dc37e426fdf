import Foundation
import Logging
import TetherRedis
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A loopback listener that never accepts and whose backlog is full, so the kernel drops new SYNs
/// and a connect to it hangs: a server that does not answer, without leaving the machine.
private final class FullBacklogListener {
    let port: Int32
    private var fds: [Int32] = []

    init() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(listener, pointer, length)
                return getsockname(listener, pointer, &length)
            }
        }
        listen(listener, 0)
        port = Int32(UInt16(bigEndian: address.sin_port))
        fds.append(listener)
        address.sin_port = UInt16(port).bigEndian
        // Fill the backlog: these complete the handshake and sit unaccepted.
        for _ in 0..<2 {
            let filler = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(filler, $0, length) } }
            fds.append(filler)
        }
    }

    /// True once a connect to this port is waiting for its SYN-ACK (state 02 in /proc/net/tcp).
    var hasPendingConnect: Bool {
        let table = Self.tcpTable()
        let remote = String(format: "0100007F:%04X", port)
        return table.split(separator: "\n").contains { line in
            let fields = line.split(separator: " ")
            return fields.count > 3 && fields[2] == remote && fields[3] == "02"
        }
    }

    /// /proc/net/tcp read to its end: procfs reports no size, and one read gives only the first page.
    private static func tcpTable() -> String {
        let fd = open("/proc/net/tcp", O_RDONLY)
        guard fd >= 0 else { return "" }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while bytes.count < 64 << 20 {
            let count = read(fd, &buffer, buffer.count)
            guard count > 0 else { break }
            bytes += buffer[0..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    deinit { fds.forEach { close($0) } }
}

@Suite(.serialized, .timeLimit(.minutes(2))) struct RedisConnectDeadlineTests {
    @Test func aServerThatNeverAnswersFailsAtTheConnectDeadline() async throws {
        let listener = try FullBacklogListener()
        let outcome = await timed { try await RedisConnection.open(try redisOptions("redis://127.0.0.1:\(listener.port)", connect: .milliseconds(700))) }
        let error = try #require(outcome.error as? RedisError)
        #expect(error.code == .timeout, "\(error)")
        #expect(error.message.contains("700 ms"))
        #expect(outcome.elapsed >= .milliseconds(600) && outcome.elapsed < .seconds(2))
    }

    @Test func unblockAbandonsAConnectInProgress() async throws {
        let listener = try FullBacklogListener()
        let connection = RedisConnection(options: try redisOptions("redis://127.0.0.1:\(listener.port)", connect: .seconds(20)))
        try await withThrowingTaskGroup(of: (error: (any Error)?, elapsed: Duration).self) { group in
            group.addTask { await timed { try await connection.connect() } }
            #expect(await eventually { listener.hasPendingConnect })
            let start = ContinuousClock.now
            connection.unblock()
            let outcome = try await group.next()
            #expect(ContinuousClock.now - start < promptly)
            #expect((outcome?.error as? RedisError)?.code == .closed)
        }
        await connection.close()
    }

    @Test func closingALinkAbandonsItsConnectAttempt() async throws {
        let listener = try FullBacklogListener()
        let options = try redisOptions("redis://127.0.0.1:\(listener.port)", connect: .seconds(20))
        let link = RedisLink(options: options, time: .continuous, logger: Logger(label: "redis-test"))
        try await withThrowingTaskGroup(of: (error: (any Error)?, elapsed: Duration).self) { group in
            group.addTask { await timed { try await link.waitUntilConnected() } }
            #expect(await eventually { listener.hasPendingConnect })
            let start = ContinuousClock.now
            await link.close()
            let outcome = try await group.next()
            #expect(ContinuousClock.now - start < promptly)
            #expect((outcome?.error as? RedisError)?.code == .closed)
        }
        #expect(link.status == .closed)
        #expect(link.metrics.connectFailures == 0)
    }
}
