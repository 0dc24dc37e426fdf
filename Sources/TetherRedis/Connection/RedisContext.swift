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

    private init(pointer: UnsafeMutablePointer<redisContext>, address: String, tunnel: (any RedisTunnel)?) {
        self.pointer = pointer
        self.address = address
        self.tunnel = tunnel
    }

    /// Connects within the connect deadline (through the tunnel for `rediss://`), then AUTH and SELECT.
    static func open(_ options: RedisConnectionOptions) throws(RedisError) -> RedisContext {
        let url = options.url
        var tunnel: (any RedisTunnel)?
        let raw: UnsafeMutablePointer<redisContext>?
        switch url.endpoint {
        case .tcp(let host, let port) where url.usesTLS:
            guard let factory = options.tunnel else {
                throw RedisError(.connect, "TLS is needed for rediss:// (Redis at \(url.address)) but this build has no TLS tunnel; use a redis:// URL or a build with TLS")
            }
            let opened: any RedisTunnel
            do {
                opened = try factory(host, port, options.connectTimeout)
            } catch {
                throw RedisError(.connect, "cannot open the TLS connection to Redis at \(url.address): \(error); check redis.url and the server's certificate")
            }
            tunnel = opened
            let fd = dup(opened.fileDescriptor)
            guard fd >= 0 else {
                let code = errno
                opened.close()
                throw RedisError(.connect, "cannot use the TLS tunnel to Redis at \(url.address): dup failed (errno \(code)); the process may be out of file descriptors", errno: code)
            }
            raw = redisConnectFd(fd)
        case .tcp(let host, let port):
            raw = redisConnectWithTimeout(host, Int32(port), options.connectTimeout.socketTimeval)
        case .unix(let path):
            raw = redisConnectUnixWithTimeout(path, options.connectTimeout.socketTimeval)
        }
        guard let raw else {
            tunnel?.close()
            throw RedisError(.connect, "cannot allocate a Redis connection to \(url.address)")
        }
        let context = RedisContext(pointer: raw, address: url.address, tunnel: tunnel)
        if raw.pointee.err != 0 {
            let problem = context.errorText
            context.free()
            let code: RedisError.Code = problem.contains("timed out") ? .timeout : .connect
            throw RedisError(code, "cannot connect to Redis at \(url.address) within \(options.connectTimeout.milliseconds) ms: \(problem); "
                + "check that redis-server runs there and redis.url is right")
        }
        if case .tcp = url.endpoint, !url.usesTLS { redisEnableKeepAlive(raw) }
        do {
            try context.handshake(options)
        } catch {
            context.free()
            throw error
        }
        return context
    }

    private func handshake(_ options: RedisConnectionOptions) throws(RedisError) {
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

    private var errorText: String {
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
