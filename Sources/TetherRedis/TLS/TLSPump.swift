import COpenSSL
#if canImport(Glibc)
import Glibc
#endif

/// Moves bytes both ways between hiredis's plain socket and the TLS connection, on the tunnel's thread.
///
/// Each pass tries every transfer without blocking and polls only when none made progress, so
/// bytes OpenSSL has already decrypted (invisible to poll) are never left waiting. Either side
/// ending, an error, or ``TunnelControl/requestStop()`` tears down both.
final class TLSPump: @unchecked Sendable {
    // @unchecked: the SSL handle and the buffers are touched by the pump thread alone once run() starts.

    /// Bytes held per direction: one TLS record's plaintext (16 KiB) times four, so a large
    /// reply streams without stalls while memory stays bounded per connection.
    static let bufferCapacity = 64 * 1024
    /// How often an idle pump re-checks for a stop it was not woken for (the wake descriptor ends it at once).
    static let idleCheckMilliseconds: Int32 = 1000

    private let session: TLSSession
    private let tcp: Int32
    private let plain: Int32
    private let control: TunnelControl
    private let toServer = PumpBuffer(capacity: bufferCapacity)
    private let toClient = PumpBuffer(capacity: bufferCapacity)
    private var plainEnded = false
    /// Why the server's side ended, once it has; hiredis still gets what was read before.
    private var serverEndReason: String?
    private var serverEnded: Bool { serverEndReason != nil }
    private var serverHungUp = false
    /// What the last blocked SSL_read / SSL_write waits for (POLLIN or POLLOUT on the TCP socket).
    private var readWaits: Int16 = 0
    private var writeWaits: Int16 = 0

    init(session: TLSSession, tcp: Int32, plain: Int32, control: TunnelControl) {
        self.session = session
        self.tcp = tcp
        self.plain = plain
        self.control = control
    }

    /// Pumps until one side ends or a stop is asked for, then closes everything the pump owns.
    func run() {
        // OpenSSL writes to the TCP socket with write(): a server gone away must give EPIPE, not kill the process.
        var pipe = sigset_t()
        sigemptyset(&pipe)
        sigaddset(&pipe, SIGPIPE)
        pthread_sigmask(SIG_BLOCK, &pipe, nil)
        let reason = loop()
        // A polite close_notify if the socket takes it at once; never waited for.
        if !serverEnded { _ = SSL_shutdown(session.ssl) }
        session.free()
        Glibc.close(tcp)
        control.finish(reason: reason)  // closes or half-closes `plain`
    }

    private func loop() -> String {
        while true {
            if control.stopRequested { return "closed by its owner" }
            switch step() {
            case .ended(let reason): return reason
            case .progressed: continue
            case .blocked: break
            }
            var entries = [
                pollfd(fd: plain, events: plainEvents, revents: 0),
                // A hung-up socket reports POLLHUP on every poll: leave it out (poll skips -1), or the
                // pump would spin while hiredis drains; the next SSL_read meets the end itself.
                pollfd(fd: serverHungUp ? -1 : tcp, events: readWaits | writeWaits, revents: 0),
                pollfd(fd: control.wakeDescriptor, events: Int16(POLLIN), revents: 0),
            ]
            let ready = poll(&entries, nfds_t(entries.count), Self.idleCheckMilliseconds)
            if ready < 0, errno != EINTR { return "poll failed: \(String(cString: strerror(errno)))" }
            let hangup = Int16(POLLHUP | POLLERR | POLLNVAL)
            if entries[0].revents & hangup != 0 && entries[0].events & Int16(POLLIN) == 0 { return "the client's socket closed" }
            if entries[1].revents & hangup != 0 { serverHungUp = true }
        }
    }

    private var plainEvents: Int16 {
        (toServer.hasSpace && !plainEnded ? Int16(POLLIN) : 0) | (toClient.isEmpty ? 0 : Int16(POLLOUT))
    }

    private enum Step { case progressed, blocked, ended(String) }

    private func step() -> Step {
        var progressed = false
        readWaits = 0
        writeWaits = 0
        if toServer.hasSpace, !plainEnded {
            let count = toServer.fill { read(plain, $0, $1) }
            if count > 0 { progressed = true }
            else if count == 0 { plainEnded = true }
            else if errno != EAGAIN, errno != EINTR { return .ended("reading the client's socket failed: \(String(cString: strerror(errno)))") }
        }
        if !toServer.isEmpty {
            switch transfer({ toServer.drain { SSL_write(session.ssl, $0, Int32(clamping: $1)).asCount } }) {
            case .progressed: progressed = true
            case .ended(let reason): serverEndReason = reason; return .ended(reason)
            case .wants(let events): writeWaits = events
            }
        }
        // The client hung up and everything it sent is out: nothing more can happen.
        if plainEnded, toServer.isEmpty { return .ended("the client closed its socket") }
        if toClient.hasSpace, !serverEnded {
            switch transfer({ toClient.fill { SSL_read(session.ssl, $0, Int32(clamping: $1)).asCount } }) {
            case .progressed: progressed = true
            case .ended(let reason): serverEndReason = reason; if toClient.isEmpty { return .ended(reason) }
            case .wants(let events): readWaits = events
            }
        }
        if !toClient.isEmpty {
            let count = toClient.drain { send(plain, $0, $1, Int32(MSG_NOSIGNAL)) }
            if count > 0 { progressed = true }
            else if count < 0, errno != EAGAIN, errno != EINTR { return .ended("writing to the client's socket failed: \(String(cString: strerror(errno)))") }
        }
        if let reason = serverEndReason, toClient.isEmpty { return .ended(reason) }
        return progressed ? .progressed : .blocked
    }

    private enum Transfer { case progressed, wants(Int16), ended(String) }

    /// Runs one SSL_read or SSL_write (returning OpenSSL's result) and classifies it.
    private func transfer(_ call: () -> Int) -> Transfer {
        ERR_clear_error()
        let result = call()
        if result > 0 { return .progressed }
        let reason = SSL_get_error(session.ssl, Int32(clamping: result))
        switch reason {
        case SSL_ERROR_WANT_READ: return .wants(Int16(POLLIN))
        case SSL_ERROR_WANT_WRITE: return .wants(Int16(POLLOUT))
        case SSL_ERROR_ZERO_RETURN: return .ended("the server closed the TLS connection")
        default:
            let queued = OpenSSLErrorQueue.drain()
            return .ended("the TLS connection failed: \(queued.isEmpty ? "the server went away" : queued)")
        }
    }
}

private extension Int32 {
    /// OpenSSL's read/write result as a byte count for ``PumpBuffer`` (≤ 0: nothing moved).
    var asCount: Int { Int(self) }
}
