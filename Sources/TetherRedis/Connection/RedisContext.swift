import CHiredis
#if canImport(Glibc)
import Glibc
#endif

/// One hiredis context. Not thread-safe: only its connection's worker thread touches it.
final class RedisContext {
    let pointer: UnsafeMutablePointer<redisContext>
    let address: String
    private let tunnel: (any RedisTunnel)?
    private var socketTimeout: Duration?

    init(pointer: UnsafeMutablePointer<redisContext>, address: String, tunnel: (any RedisTunnel)?) {
        self.pointer = pointer
        self.address = address
        self.tunnel = tunnel
    }

    /// AUTH (when there is a password) and SELECT (when the URL names a database), under the command deadline.
    func handshake(_ options: RedisConnectionOptions) throws(RedisError) {
        if let password = options.password {
            let arguments = ([options.url.user].compactMap { $0 } + [password]).map { Array($0.utf8) }
            do {
                _ = try command(["AUTH".utf8].map(Array.init) + arguments, timeout: options.commandTimeout)
            } catch where error.code == .server || error.code == .auth {
                // Only the reply's first word: the rest is the server's prose, and no secret may leak.
                throw RedisError(.auth, "Redis at \(address) refused the password (\(error.serverCode ?? "ERR")); "
                    + "check redis.password, redis.password_file or the URL's password")
            }
        }
        if options.url.database != 0 {
            _ = try command([Array("SELECT".utf8), Array(String(options.url.database).utf8)], timeout: options.commandTimeout)
        }
    }

    /// True when the idle connection can be read from: the server closed it (a restart, a client
    /// timeout) or sent bytes nobody asked for. A command written now would be lost with it.
    var serverHasClosed: Bool {
        var entry = pollfd(fd: fileDescriptor, events: Int16(POLLIN), revents: 0)
        return poll(&entry, 1, 0) > 0
    }

    /// The fd hiredis reads and writes (a duplicate of the tunnel's for `rediss://`).
    var fileDescriptor: Int32 { pointer.pointee.fd }

    /// Runs one command; the socket gives up after `timeout` without progress.
    func command(_ arguments: [[UInt8]], timeout: Duration) throws(RedisError) -> RedisValue {
        let name = RedisCommandName(arguments)
        if socketTimeout != timeout {
            guard redisSetTimeout(pointer, timeout.socketTimeval) == REDIS_OK else { throw failure(name, timeout: timeout, errno: errno) }
            socketTimeout = timeout
        }
        let raw = withArgv(arguments) { argc, argv, lengths in redisCommandArgv(pointer, argc, argv, lengths) }
        guard let raw else { throw failure(name, timeout: timeout, errno: errno) }
        defer { freeReplyObject(raw) }
        let value = RedisValue(reply: raw.assumingMemoryBound(to: redisReply.self))
        if case .error(let text) = value { throw RedisError.serverReply(text, command: name, address: address) }
        return value
    }

    /// Frees the context (closing its fd) and ends the tunnel.
    func free() {
        redisFree(pointer)
        tunnel?.close()
    }

    var errorText: String {
        withUnsafeBytes(of: pointer.pointee.errstr) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }

    private func failure(_ name: RedisCommandName, timeout: Duration, errno code: Int32) -> RedisError {
        switch pointer.pointee.err {
        case REDIS_ERR_IO where code == EAGAIN || code == EWOULDBLOCK:
            RedisError(.timeout, "Redis at \(address) did not answer \(name) within \(timeout.milliseconds) ms; "
                + "check that the server runs and is not overloaded (redis-cli PING); the link reconnects", errno: code)
        case REDIS_ERR_EOF:
            RedisError(.io, "Redis at \(address) closed the connection during \(name) (a restart or a client timeout); the link reconnects")
        case REDIS_ERR_PROTOCOL:
            RedisError(.protocol, "Redis at \(address) sent bytes that are not a reply to \(name) (\(errorText)); is it a Redis server?")
        default:
            RedisError(.io, "talking to Redis at \(address) failed during \(name): \(errorText); the link reconnects", errno: code)
        }
    }

    private func withArgv<T>(_ arguments: [[UInt8]], _ body: (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>, UnsafePointer<Int>) -> T) -> T {
        // hiredis copies the arguments into its output buffer before returning, so these buffers
        // only need to live for the call.
        let buffers = arguments.map { bytes -> UnsafeMutableBufferPointer<CChar> in
            let buffer = UnsafeMutableBufferPointer<CChar>.allocate(capacity: max(1, bytes.count))
            bytes.withUnsafeBytes { source in UnsafeMutableRawBufferPointer(buffer).copyMemory(from: source) }
            return buffer
        }
        defer { buffers.forEach { $0.deallocate() } }
        var argv = buffers.map { UnsafePointer($0.baseAddress) }
        let lengths = arguments.map(\.count)
        return body(Int32(arguments.count), &argv, lengths)
    }
}

extension Duration {
    /// The duration as a socket timeout; at least a millisecond, since zero means "never" to the kernel.
    var socketTimeval: timeval {
        let microseconds = max(1000, milliseconds * 1000)
        return timeval(tv_sec: Int(microseconds / 1_000_000), tv_usec: Int(microseconds % 1_000_000))
    }
}
