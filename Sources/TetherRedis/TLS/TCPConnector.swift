#if canImport(Glibc)
import Glibc
#endif

/// Opens a non-blocking TCP socket to host:port (IPv4 or IPv6, each resolved address in turn)
/// before a deadline.
enum TCPConnector {
    /// Connects and returns the socket (non-blocking, close-on-exec, TCP_NODELAY); throws a ``TLSError``.
    ///
    /// Name resolution is getaddrinfo's and is not bounded by the deadline (glibc offers no
    /// bounded variant short of getaddrinfo_a); resolv.conf's own timeout bounds it.
    static func connect(host: String, port: Int, deadline: TunnelDeadline) throws -> Int32 {
        let endpoint = TLSError.endpoint(host, port)
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw TLSError(.resolve, host: host, port: port,
                           "could not resolve \(host) for Redis at \(endpoint): \(String(cString: gai_strerror(status))); check the host in redis.url")
        }
        defer { freeaddrinfo(first) }
        var lastError = "no address"
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let address = entry {
            entry = address.pointee.ai_next
            switch attempt(address.pointee, deadline: deadline) {
            case .success(let fd): return fd
            case .failure(.timedOut):
                throw TLSError(.timeout, host: host, port: port,
                               "Redis at \(endpoint) did not accept a TCP connection within \(deadline.limit); check that it is running and reachable, or raise timeouts.redis_connect")
            case .failure(.refused(let reason)): lastError = reason
            case .failure(.stopped):
                throw TLSError(.stopped, host: host, port: port, "the connection to Redis at \(endpoint) was abandoned: the daemon is stopping")
            }
        }
        throw TLSError(.connect, host: host, port: port,
                       "could not connect to Redis at \(endpoint): \(lastError); check that it is running and that redis.url names its TLS port")
    }

    private enum Failure: Error { case timedOut, refused(String), stopped }

    private static func attempt(_ address: addrinfo, deadline: TunnelDeadline) -> Result<Int32, Failure> {
        let fd = socket(address.ai_family, address.ai_socktype | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), address.ai_protocol)
        guard fd >= 0 else { return .failure(.refused(String(cString: strerror(errno)))) }
        if Glibc.connect(fd, address.ai_addr, address.ai_addrlen) != 0 {
            guard errno == EINPROGRESS else { return fail(fd, errno) }
            while true {
                guard let wait = deadline.remainingMilliseconds else { Glibc.close(fd); return .failure(.timedOut) }
                switch deadline.poll(fd, events: Int16(POLLOUT), milliseconds: wait) {
                case .ready: break
                case .stopped: Glibc.close(fd); return .failure(.stopped)
                case .failed(let code): return fail(fd, code)
                case .idle: continue
                }
                break
            }
            var soError: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &length)
            guard soError == 0 else { return fail(fd, soError) }
        }
        // Redis is request/reply with small messages: Nagle would add delay to every reply.
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        return .success(fd)
    }

    private static func fail(_ fd: Int32, _ code: Int32) -> Result<Int32, Failure> {
        Glibc.close(fd)
        return .failure(.refused(String(cString: strerror(code))))
    }
}

/// One deadline shared by the TCP connect and the TLS handshake, and the wake descriptor that
/// abandons both at once for a stop.
struct TunnelDeadline {
    let limit: Duration
    /// Readable once a stop abandons the attempt; -1 for none (poll ignores a negative descriptor).
    let wake: Int32
    private let end: ContinuousClock.Instant

    init(_ limit: Duration, wake: Int32 = -1) {
        self.limit = limit
        self.wake = wake
        end = ContinuousClock.now + limit
    }

    /// What one wait on a socket gave.
    enum PollOutcome { case ready, idle, stopped, failed(Int32) }

    /// Waits up to `milliseconds` for `events` on `fd`, or for the wake descriptor.
    func poll(_ fd: Int32, events: Int16, milliseconds: Int32) -> PollOutcome {
        var fds = [pollfd(fd: fd, events: events, revents: 0), pollfd(fd: wake, events: Int16(POLLIN), revents: 0)]
        let ready = Glibc.poll(&fds, 2, milliseconds)
        if ready < 0 { return errno == EINTR ? .idle : .failed(errno) }
        if fds[1].revents != 0 { return .stopped }
        return fds[0].revents != 0 ? .ready : .idle
    }

    /// What is left, rounded up to whole milliseconds for poll(); nil once it has passed.
    var remainingMilliseconds: Int32? {
        let left = end - ContinuousClock.now
        guard left > .zero else { return nil }
        let (seconds, attoseconds) = left.components
        let milliseconds = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int32(clamping: max(1, milliseconds))
    }
}
