import COpenSSL
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An encrypted socket for hiredis 0.14, which has no TLS of its own: a TLS client to Redis on one
/// side, one end of a unix socketpair for `redisConnectFd` on the other, and a thread pumping between.
///
/// `fileDescriptor` belongs to whoever hands it to `redisConnectFd` (`redisFree` closes it); `close()`
/// closes the tunnel's side, which hiredis then reads as end of file.
public final class TLSTunnel: RedisTunnel {
    /// How long `close()` waits for the pump thread to end. The pump is woken at once and does
    /// no blocking call, so it ends in microseconds; the bound only keeps a wedged thread from
    /// holding the caller.
    public static let closeLimit: Duration = .seconds(1)

    /// The name of every pump thread, as `ps -L` and /proc show it.
    public static let pumpThreadName = "tls-pump"

    /// The plain end of the tunnel, for `redisConnectFd`.
    public let fileDescriptor: Int32
    /// Where the tunnel leads, for logs and errors (`host:port`).
    public let endpoint: String
    private let control: TunnelControl

    private init(fileDescriptor: Int32, endpoint: String, control: TunnelControl) {
        self.fileDescriptor = fileDescriptor
        self.endpoint = endpoint
        self.control = control
    }

    /// Connects to host:port, runs the TLS handshake (both within `timeout`), and starts the pump.
    /// Blocks the calling thread: call it from the connection's own thread, never the cooperative pool.
    /// `wake` (-1: none) becoming readable abandons the connect or handshake at once (code `.stopped`).
    public static func open(host: String, port: Int, options: TLSOptions, timeout: Duration, wake: Int32 = -1) throws -> TLSTunnel {
        let deadline = TunnelDeadline(timeout, wake: wake)
        let context = try TLSHandshake.makeContext(host: host, port: port, options: options)
        let tcp: Int32
        do {
            tcp = try TCPConnector.connect(host: host, port: port, deadline: deadline)
        } catch {
            SSL_CTX_free(context)
            throw error
        }
        let session: TLSSession
        do {
            session = try TLSHandshake.run(context: context, fd: tcp, host: host, port: port, options: options, deadline: deadline)
        } catch {
            Glibc.close(tcp)
            throw error
        }
        var ends: [Int32] = [-1, -1]
        let control: TunnelControl
        do {
            guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &ends) == 0 else {
                throw TunnelControlError(errno: errno)
            }
            control = try TunnelControl(plain: ends[0])
        } catch let failure as TunnelControlError {
            ends.filter { $0 >= 0 }.forEach { Glibc.close($0) }
            session.free()
            Glibc.close(tcp)
            throw TLSError(.setup, host: host, port: port,
                           "could not make the local socket pair for the TLS tunnel to \(TLSError.endpoint(host, port)): \(String(cString: strerror(failure.errno)))")
        }
        // Only the pump's end is non-blocking; hiredis's end stays blocking, as redisConnectFd expects.
        _ = fcntl(ends[0], F_SETFL, fcntl(ends[0], F_GETFL) | O_NONBLOCK)
        let pump = TLSPump(session: session, tcp: tcp, plain: ends[0], control: control)
        let thread = Thread {  // registry-exempt: the pump blocks in poll() for the connection's life; it must not hold a pool thread
            nameThisThreadAs(Self.pumpThreadName)
            pump.run()
        }
        thread.start()
        return TLSTunnel(fileDescriptor: ends[1], endpoint: TLSError.endpoint(host, port), control: control)
    }

    /// Ends the pump (waiting up to ``closeLimit``) and closes the tunnel's side; idempotent.
    /// Never closes ``fileDescriptor``: hiredis's `redisFree` does, or the caller if it never handed it over.
    public func close() {
        control.requestStop()
        _ = control.waitForEnd(limit: Self.closeLimit)
    }

    /// Why the pump ended (the server closed, an error, `close()`); nil while it runs.
    public var endReason: String? { control.endReason }

    deinit { control.requestStop() }
}

/// Names the calling OS thread, for `ps -L`, `top -H` and the tests (/proc/<pid>/task/*/comm).
/// Foundation's `Thread.name` reaches the OS only if set after the thread has fully started, a race;
/// pthread_setname_np is not importable here; proc(5) lets a thread write its own comm.
private func nameThisThreadAs(_ name: String) {
    let fd = Glibc.open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
    guard fd >= 0 else { return }
    _ = name.utf8CString.withUnsafeBufferPointer { write(fd, $0.baseAddress, $0.count - 1) }
    Glibc.close(fd)
}
