import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A connected unix stream socket with blocking I/O, every wait bounded by the caller's deadline
/// (a CLI process, not the daemon).
final class UnixSocket {
    private var fd: Int32
    let path: String
    /// One read's worth, reused: a read copies out only what arrived.
    private var scratch = [UInt8](repeating: 0, count: UnixSocket.readSize)

    /// Bytes asked of the kernel per read: a typical answer in one or two reads.
    static let readSize = 64 << 10
    /// How long to wait before trying again to connect to a daemon whose listen backlog is full
    /// (a unix socket cannot be polled for that): short against the request's deadline, long
    /// enough not to spin.
    static let connectRetryInterval: Duration = .milliseconds(10)

    /// Connects by `deadline`: the socket is non-blocking while connecting, so a daemon that does not
    /// accept (a full backlog) cannot hold the client past it.
    init(path: String, by deadline: ClientDeadline) throws {
        self.path = path
        var info = stat()
        if stat(path, &info) != 0 {
            throw ClientError(.unreachable, errno == EACCES
                ? "cannot reach \(path): permission denied; run as the daemon's user or ask for access to its socket"
                : "tetherd is not running: there is no socket at \(path); start it (systemctl --user start tetherd, or make run) or pass --socket")
        }
        guard info.st_mode & S_IFMT == S_IFSOCK else {
            throw ClientError(.unreachable, "\(path) is not a socket; pass the daemon's API socket with --socket")
        }
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw ClientError("cannot make a socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            Glibc.close(fd)
            throw ClientError("the socket path \(path) is too long for a unix socket")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in bytes.enumerated() { buffer[index] = byte }
        }
        var code: Int32 = 0
        while true {
            let result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            code = result == 0 ? 0 : errno
            guard code == EAGAIN || code == EINTR else { break }
            if deadline.hasPassed {
                Glibc.close(fd)
                throw ClientError(.timeout, "tetherd did not accept the connection within \(deadline.budget): its backlog is full; is it hung? (journalctl -u tetherd)")
            }
            var pause = timespec(tv_sec: 0, tv_nsec: Int(Self.connectRetryInterval.components.attoseconds / 1_000_000_000))
            nanosleep(&pause, nil)
        }
        if code != 0 {
            Glibc.close(fd)
            switch code {
            case EACCES: throw ClientError(.unreachable, "cannot connect to \(path): permission denied; run as the daemon's user or ask for access to its socket")
            case ECONNREFUSED: throw ClientError(.unreachable, "tetherd is not running: \(path) is left over and nobody answers; start it (systemctl --user start tetherd, or make run)")
            default: throw ClientError("cannot connect to \(path): \(String(cString: strerror(code)))")
            }
        }
        // Blocking again: every read and write waits in poll with the deadline first.
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
    }

    deinit { if fd >= 0 { Glibc.close(fd) } }

    func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    /// Sends `bytes` by `deadline`. With `stopWhenAnswered` (a request), it stops early, returning
    /// false, when the daemon answers before taking them all, as it does when it refuses a body
    /// that is too large; otherwise (a WebSocket, where messages come in all the time) it sends everything.
    @discardableResult
    func write(_ bytes: [UInt8], by deadline: ClientDeadline, stopWhenAnswered: Bool = false) throws -> Bool {
        var offset = 0
        while offset < bytes.count {
            let ready = try wait(for: Int16(POLLOUT) | (stopWhenAnswered ? Int16(POLLIN) : 0), by: deadline)
            guard ready != 0 else {
                throw ClientError(.timeout, "tetherd did not take the request within \(deadline.budget); is it hung? (journalctl -u tetherd)")
            }
            if stopWhenAnswered, ready & Int16(POLLIN) != 0 { return false }
            let written = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT)) }
            if written < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                if errno == EPIPE || errno == ECONNRESET { return false }
                throw ClientError("the connection to tetherd broke while sending: \(String(cString: strerror(errno)))")
            }
            offset += written
        }
        return true
    }

    /// Some bytes, or an empty array at end of file; nil when nothing came by `deadline`.
    func read(by deadline: ClientDeadline) throws -> ArraySlice<UInt8>? {
        guard try wait(for: Int16(POLLIN), by: deadline) != 0 else { return nil }
        while true {
            let count = scratch.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0 {
                if errno == EINTR { continue }
                throw ClientError("the connection to tetherd broke while reading: \(String(cString: strerror(errno)))")
            }
            return scratch[0..<count]
        }
    }

    /// The events that became ready (0 when none did by the deadline).
    private func wait(for events: Int16, by deadline: ClientDeadline) throws -> Int16 {
        var entry = pollfd(fd: fd, events: events, revents: 0)
        while true {
            entry.revents = 0
            let ready = poll(&entry, 1, deadline.pollMilliseconds)
            if ready < 0, errno == EINTR { continue }
            if ready < 0 { throw ClientError("poll failed: \(String(cString: strerror(errno)))") }
            // A hang-up counts as readable: the answer (or end of file) is there to read.
            return ready == 0 ? 0 : (entry.revents & (Int16(POLLHUP) | Int16(POLLERR)) != 0 ? Int16(POLLIN) : entry.revents)
        }
    }
}
