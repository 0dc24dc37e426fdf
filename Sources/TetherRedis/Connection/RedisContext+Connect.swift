import CHiredis
#if canImport(Glibc)
import Glibc
#endif

extension RedisContext {
    /// Connects the socket within the connect deadline: TCP without blocking (so `wake` becoming
    /// readable abandons the attempt at once, for a stop), a unix socket directly, `rediss://`
    /// through the tunnel. No AUTH yet: see ``handshake(_:)``.
    static func connect(_ options: RedisConnectionOptions, wake: Int32) throws(RedisError) -> RedisContext {
        let url = options.url
        let context: RedisContext
        switch url.endpoint {
        case .tcp(let host, let port) where url.usesTLS:
            context = try throughTunnel(options, host: host, port: port, wake: wake)
        case .tcp(let host, let port):
            context = try checked(redisConnectNonBlock(host, Int32(port)), options)
            do {
                try context.finishConnect(within: options.connectTimeout, wake: wake)
            } catch {
                context.free()
                throw error
            }
            redisEnableKeepAlive(context.pointer)
        case .unix(let path):
            context = try checked(redisConnectUnixWithTimeout(path, options.connectTimeout.socketTimeval), options)
        }
        // Children (tmux) are spawned with every fd above 2 closed; this covers any other spawner.
        _ = fcntl(context.fileDescriptor, F_SETFD, FD_CLOEXEC)
        return context
    }

    private static func throughTunnel(_ options: RedisConnectionOptions, host: String, port: Int, wake: Int32) throws(RedisError) -> RedisContext {
        let address = options.url.address
        guard let factory = options.tunnel else {
            throw RedisError(.connect, "TLS is needed for rediss:// (Redis at \(address)) but this build has no TLS tunnel; use a redis:// URL or a build with TLS")
        }
        let tunnel: any RedisTunnel
        do {
            tunnel = try factory(host, port, options.connectTimeout, wake)
        } catch let error as TLSError where error.code == .stopped {
            throw RedisError(.closed, "the TLS connection to Redis at \(address) was abandoned while opening (the daemon is stopping)")
        } catch {
            throw RedisError(.connect, "cannot open the TLS connection to Redis at \(address): \(error); check redis.url and the server's certificate")
        }
        // hiredis owns the descriptor from here on (see RedisTunnel).
        return try checked(redisConnectFd(tunnel.fileDescriptor), options, tunnel: tunnel)
    }

    private static func checked(_ raw: UnsafeMutablePointer<redisContext>?, _ options: RedisConnectionOptions,
                                tunnel: (any RedisTunnel)? = nil) throws(RedisError) -> RedisContext {
        guard let raw else {
            // hiredis never took the tunnel's descriptor: it is still ours to close.
            if let tunnel { close(tunnel.fileDescriptor) }
            tunnel?.close()
            throw RedisError(.connect, "cannot allocate a Redis connection to \(options.url.address) (out of memory?)")
        }
        let context = RedisContext(pointer: raw, address: options.url.address, tunnel: tunnel)
        guard raw.pointee.err == 0 else {
            let problem = context.errorText
            context.free()
            let code: RedisError.Code = problem.contains("timed out") ? .timeout : .connect
            throw connectError(code, options, problem)
        }
        return context
    }

    static func connectError(_ code: RedisError.Code, _ options: RedisConnectionOptions, _ problem: String) -> RedisError {
        RedisError(code, "cannot connect to Redis at \(options.url.address) within \(options.connectTimeout.milliseconds) ms: \(problem); "
            + "check that redis-server runs there and redis.url is right")
    }

    /// Waits for the non-blocking connect to finish, then makes the socket blocking for the commands.
    private func finishConnect(within timeout: Duration, wake: Int32) throws(RedisError) {
        let fd = fileDescriptor
        let deadline = ContinuousClock.now + timeout
        while true {
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else { throw RedisError(.timeout, "cannot connect to Redis at \(address) within \(timeout.milliseconds) ms: no answer; check the host and any firewall") }
            var fds = [pollfd(fd: fd, events: Int16(POLLOUT), revents: 0), pollfd(fd: wake, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&fds, 2, Int32(clamping: max(1, remaining.milliseconds)))
            if ready < 0, errno == EINTR { continue }
            guard ready >= 0 else { throw RedisError(.io, "waiting for the connection to Redis at \(address) failed (errno \(errno))", errno: errno) }
            if fds[1].revents != 0 { throw RedisError(.closed, "the connection to Redis at \(address) was shut down while connecting (the daemon is stopping)") }
            if fds[0].revents != 0 { break }
        }
        var failure: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &failure, &length)
        guard failure == 0 else {
            throw RedisError(.connect, "cannot connect to Redis at \(address): \(String(cString: strerror(failure))); "
                + "check that redis-server runs there and redis.url is right", errno: failure)
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        pointer.pointee.flags |= REDIS_BLOCK
    }
}
