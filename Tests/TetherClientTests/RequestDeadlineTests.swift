import Foundation
import Testing
import TetherClient
#if canImport(Glibc)
import Glibc
#endif

/// The client against a server that answers one byte at a time: the request's deadline covers the
/// whole answer, so it fails at the deadline instead of after the last byte.
@Suite(.timeLimit(.minutes(1))) struct RequestDeadlineTests {
    /// The pace of the slow server: each byte well within any per-read limit.
    static let dribbleInterval: useconds_t = 50_000

    /// A unix socket in a fresh directory that accepts one connection and sends `head`, then `body`
    /// one byte per ``dribbleInterval`` until the client goes away.
    func slowServer(head: String, body: Int) throws -> (path: String, stop: () -> Void) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tether-client-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = dir + "/slow.sock"
        let listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in for (index, byte) in path.utf8.enumerated() { buffer[index] = byte } }
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
        guard bound == 0, listen(listener, 4) == 0 else { throw ClientError("cannot listen on \(path)") }
        // registry-exempt: a test server thread that ends when the client hangs up (a send fails)
        Thread.detachNewThread {
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { return }
            defer { close(connection) }
            var request = [UInt8](repeating: 0, count: 4096)
            _ = recv(connection, &request, request.count, 0)
            guard send(connection, head, head.utf8.count, Int32(MSG_NOSIGNAL)) > 0 else { return }
            for _ in 0..<body {
                usleep(Self.dribbleInterval)
                var byte = UInt8(ascii: "a")
                guard send(connection, &byte, 1, Int32(MSG_NOSIGNAL)) == 1 else { return }
            }
        }
        return (path, {
            shutdown(listener, Int32(SHUT_RDWR))
            close(listener)
            try? FileManager.default.removeItem(atPath: dir)
        })
    }

    @Test func aDribblingAnswerFailsAtTheRequestsDeadline() throws {
        // 100 bytes at 50 ms each: 5 s in all, each byte 50 ms after the last.
        let server = try slowServer(head: "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", body: 100)
        defer { server.stop() }
        let client = TetherHTTPClient(socketPath: server.path, timeout: .milliseconds(500))
        let started = ContinuousClock.now
        do {
            _ = try client.get("/status")
            Issue.record("a 5 s answer finished within a 0.5 s deadline")
        } catch let error as ClientError {
            #expect(error.code == .timeout, "\(error)")
        }
        #expect(ContinuousClock.now - started < .seconds(3), "failed at the deadline, not after the last byte")
    }

    @Test func anAnswerOverTheCapFailsNamingTheLimit() throws {
        let server = try slowServer(head: "HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n", body: 0)
        defer { server.stop() }
        let client = TetherHTTPClient(socketPath: server.path, timeout: .seconds(5), maximumResponseSize: 1000)
        let error = #expect(throws: ClientError.self) { try client.get("/sessions") }
        #expect(error?.code == .tooLarge && error?.description.contains("1000 bytes") == true, "\(String(describing: error))")
    }
}
