import Synchronization
import TetherCore
#if canImport(Glibc)
import Glibc
#endif

/// One connection to Redis: a hiredis context on a thread of its own, so a blocking read never holds
/// a thread of the cooperative pool; callers suspend until the reply.
///
/// Commands run one at a time in call order. After an I/O error, a timeout or ``unblock()`` the
/// connection is broken for good and every later command fails with code `.closed`: make a new one
/// (``RedisLink`` does). ``close()`` frees the context and ends the thread.
public final class RedisConnection: Sendable {
    /// Where it connects and with which deadlines.
    public let options: RedisConnectionOptions
    private let worker: BlockingWorker
    /// Touched only on the worker thread, whose jobs run one at a time.
    private let slot = ContextSlot()
    /// The fd that ``unblock()`` may shut down: set under the lock once connected, cleared before the
    /// context is freed, so a shutdown never reaches an fd number that was closed and reused.
    private let socket = Mutex(SocketState())

    private struct SocketState {
        var fd: Int32?
        /// A pipe whose read end a connect in progress polls; ``unblock()`` writes to it.
        var wake: (read: Int32, write: Int32)?
        var unblocked = false
        var broken: RedisError?
    }

    private final class ContextSlot: @unchecked Sendable {
        var context: RedisContext?
    }

    /// A write to a socket the server has closed must fail with EPIPE, not kill the daemon with SIGPIPE.
    private static let ignoringPipes: Void = { signal(SIGPIPE, SIG_IGN) }()

    /// A connection that is not yet connected; call ``connect()``.
    public init(options: RedisConnectionOptions, name: String = "redis") {
        _ = Self.ignoringPipes
        self.options = options
        worker = BlockingWorker(name: name)
        var ends: [Int32] = [-1, -1]
        if pipe(&ends) == 0 {
            for end in ends {
                _ = fcntl(end, F_SETFD, FD_CLOEXEC)
                _ = fcntl(end, F_SETFL, O_NONBLOCK)
            }
            socket.withLock { $0.wake = (ends[0], ends[1]) }
        }
    }

    /// A new connection, connected, authenticated and on its database.
    public static func open(_ options: RedisConnectionOptions, name: String = "redis") async throws(RedisError) -> RedisConnection {
        let connection = RedisConnection(options: options, name: name)
        do {
            try await connection.connect()
        } catch {
            await connection.close()
            throw error
        }
        return connection
    }

    /// Connects within the connect deadline, then AUTH and SELECT with the command deadline.
    public func connect() async throws(RedisError) {
        try await onWorker { [self] () throws(RedisError) in
            guard slot.context == nil else { return }
            // Without the pipe a connect cannot be abandoned early; it still ends at its deadline.
            let wake = socket.withLock { $0.wake?.read } ?? -1
            let context = try RedisContext.connect(options, wake: wake)
            slot.context = context
            // Published before the handshake, so unblock() can cut a stalled AUTH short too.
            let unblocked = socket.withLock { state -> Bool in
                state.fd = context.fileDescriptor
                if state.unblocked { _ = shutdown(context.fileDescriptor, Int32(SHUT_RDWR)) }
                return state.unblocked
            }
            if unblocked { throw Self.closedError(options) }
            do throws(RedisError) {
                try context.handshake(options)
            } catch {
                let unblocked = socket.withLock { state -> Bool in
                    state.broken = state.broken ?? error
                    return state.unblocked
                }
                throw unblocked ? Self.closedError(options) : error
            }
        }
    }

    /// Sends a command of text arguments; a `-ERR` reply throws (code `.server`, or `.auth`).
    public func send(_ arguments: [String]) async throws(RedisError) -> RedisValue {
        try await send(bytes: arguments.map { Array($0.utf8) })
    }

    /// Sends a command of binary-safe arguments under the command deadline.
    public func send(bytes arguments: [[UInt8]]) async throws(RedisError) -> RedisValue {
        try await run(arguments, timeout: options.commandTimeout)
    }

    /// Sends a blocking command (`XREAD BLOCK n …`) whose BLOCK is `block` (take it from
    /// ``RedisConnectionOptions/blockTimeout``): the socket waits that long plus
    /// ``RedisConnectionOptions/blockingMargin``. Cancelling the caller shuts the socket, so the read
    /// returns at once (code `.closed`) and the connection is broken.
    public func sendBlocking(_ arguments: [String], block: Duration) async throws(RedisError) -> RedisValue {
        let bytes = arguments.map { Array($0.utf8) }
        let timeout = options.socketTimeout(forBlock: block)
        let outcome: Result<RedisValue, RedisError> = await withTaskCancellationHandler {
            do throws(RedisError) {
                return .success(try await run(bytes, timeout: timeout))
            } catch {
                return .failure(error)
            }
        } onCancel: {
            unblock()
        }
        return try outcome.get()
    }

    /// Shuts the socket down from any thread: a read pending in `XREAD BLOCK` returns at once with
    /// code `.closed`, and the connection is broken for good. For shutdown; ``close()`` still follows.
    public func unblock() {
        socket.withLock { state in
            state.unblocked = true
            if state.broken == nil { state.broken = Self.closedError(options) }
            if let fd = state.fd { _ = shutdown(fd, Int32(SHUT_RDWR)) }
            if let wake = state.wake {
                var byte: UInt8 = 1
                _ = write(wake.write, &byte, 1)
            }
        }
    }

    /// The error that broke the connection, or nil while it is usable.
    public var brokenBy: RedisError? { socket.withLock { $0.broken } }

    /// Unblocks any pending read, frees the context and ends the thread. Safe to call more than once.
    public func close() async {
        unblock()
        try? await onWorker { [self] () throws(RedisError) in
            socket.withLock { $0.fd = nil }
            slot.context?.free()
            slot.context = nil
        }
        await worker.stop()
        // Taken under the lock, so a late unblock() never writes to a closed (and reused) fd.
        if let wake = socket.withLock({ state in state.wake.take() }) {
            Glibc.close(wake.read)
            Glibc.close(wake.write)
        }
    }

    private func run(_ arguments: [[UInt8]], timeout: Duration) async throws(RedisError) -> RedisValue {
        try await onWorker { [self] () throws(RedisError) -> RedisValue in
            // Each refusal here sent nothing: a link may send the command again on a new connection.
            let state = socket.withLock { $0 }
            if state.unblocked { throw Self.closedError(options).markedUnsent }
            if let broken = state.broken {
                throw RedisError(.closed, "the connection to Redis at \(options.url.address) is broken (\(broken.code)); open a new one", unsent: true)
            }
            guard let context = slot.context else {
                throw RedisError(.closed, "the connection to Redis at \(options.url.address) is not connected; call connect() first", unsent: true)
            }
            if context.serverHasClosed {
                let stale = RedisError(.stale, "Redis at \(options.url.address) had closed the connection before \(RedisCommandName(arguments)) "
                    + "was sent (a restart or a client timeout); nothing was sent, the link reconnects")
                socket.withLock { state in state.broken = state.broken ?? stale }
                throw stale
            }
            do throws(RedisError) {
                return try context.command(arguments, timeout: timeout)
            } catch where error.code != .server && error.code != .auth {
                let unblocked = socket.withLock { state -> Bool in
                    if state.broken == nil { state.broken = error }
                    return state.unblocked
                }
                throw unblocked ? Self.closedError(options) : error
            }
        }
    }

    private static func closedError(_ options: RedisConnectionOptions) -> RedisError {
        RedisError(.closed, "the connection to Redis at \(options.url.address) was shut down (the daemon is stopping)")
    }

    private func onWorker<T: Sendable>(_ body: @escaping @Sendable () throws(RedisError) -> T) async throws(RedisError) -> T {
        do {
            return try await worker.run { try body() }
        } catch let error as RedisError {
            throw error
        } catch {
            throw RedisError(.closed, "the connection to Redis at \(options.url.address) is closed: \(error)")
        }
    }
}
