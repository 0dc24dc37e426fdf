import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Asks the API's own socket `GET /health`, as a client would: proof that the server accepts and
/// answers, which a bare `connect()` is not (the kernel queues a connection in the backlog even
/// when the event loop is wedged). Blocking, but every step is bounded by one deadline on a
/// non-blocking socket; run it on a worker thread.
enum HealthProbe {
    /// The most one probe may take: a healthy server answers in well under a millisecond, and a
    /// probe every heartbeat that waited longer would only delay the verdict the watchdog gives.
    static let timeout: Duration = .seconds(2)
    private static let request = Array("GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".utf8)

    /// True when the socket at `path` answered `GET /health` with a 200 within `timeout`.
    static func answers(_ path: String, timeout: Duration = Self.timeout) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        let deadline = ContinuousClock.now + timeout
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in path.utf8.prefix(buffer.count - 1).enumerated() { buffer[index] = byte }
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 || errno == EINPROGRESS || errno == EAGAIN else { return false }
        var sent = 0
        while sent < request.count {
            guard wait(fd, for: Int16(POLLOUT), until: deadline) else { return false }
            let count = request[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard count > 0 || errno == EAGAIN else { return false }
            sent += max(count, 0)
        }
        var reply: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 256)
        // The status line is all we need: "HTTP/1.1 200".
        while reply.count < 12 {
            guard wait(fd, for: Int16(POLLIN), until: deadline) else { return false }
            let count = recv(fd, &buffer, buffer.count, 0)
            if count == 0 { break }
            guard count > 0 || errno == EAGAIN else { return false }
            reply += buffer.prefix(max(count, 0))
        }
        return reply.starts(with: Array("HTTP/1.1 200".utf8))
    }

    /// Polls `fd` for `events` until `deadline`; false when it passed or the socket failed.
    private static func wait(_ fd: Int32, for events: Int16, until deadline: ContinuousClock.Instant) -> Bool {
        while true {
            let left = ContinuousClock.now.duration(to: deadline)
            guard left > .zero else { return false }
            var entry = pollfd(fd: fd, events: events, revents: 0)
            let milliseconds = Int32(clamping: left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000 + 1)
            let ready = poll(&entry, 1, milliseconds)
            if ready > 0 { return entry.revents & (events | Int16(POLLHUP)) != 0 && entry.revents & Int16(POLLERR) == 0 }
            if ready < 0, errno != EINTR { return false }
        }
    }
}
