import CHiredis
import Foundation

/// Runs `body` on a thread of its own: hiredis and the tunnel's open block, so never on the pool.
/// Every blocking call inside is bounded (hiredis's timeout, the tunnel's deadline), so it always returns.
func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        let thread = Thread { continuation.resume(returning: body()) }
        thread.start()
    }
}

/// A blocking hiredis context on a descriptor (a tunnel's plain end). Used by one thread at a time.
final class BlockingRedis: @unchecked Sendable {
    /// What a command gave back, copied out of hiredis.
    enum Reply: Equatable {
        case status(String), error(String), bulk([UInt8]), integer(Int64), null, array(Int)
        /// No reply: hiredis's error code (REDIS_ERR_IO, REDIS_ERR_EOF, …) and message.
        case failed(code: Int32, message: String)
    }

    private let context: UnsafeMutablePointer<redisContext>

    /// hiredis writes with write(): once a tunnel has ended, that must fail with EPIPE, not kill the
    /// test process with SIGPIPE (the daemon ignores SIGPIPE the same way).
    private static let ignoringPipes: Void = { signal(SIGPIPE, SIG_IGN) }()

    /// hiredis takes `fd` over: `redisFree` (at deinit) closes it.
    init?(fileDescriptor: Int32, timeout: Duration) {
        Self.ignoringPipes
        guard let context = redisConnectFd(fileDescriptor) else { return nil }
        self.context = context
        let seconds = Int(timeout.components.seconds)
        redisSetTimeout(context, timeval(tv_sec: seconds, tv_usec: 0))
    }

    deinit { redisFree(context) }

    func command(_ arguments: [String]) -> Reply { command(arguments.map { Array($0.utf8) }) }

    func command(_ arguments: [[UInt8]]) -> Reply {
        let copies = arguments.map { bytes -> UnsafeMutableRawPointer in
            let copy = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 1)
            bytes.withUnsafeBytes { if let base = $0.baseAddress { copy.copyMemory(from: base, byteCount: bytes.count) } }
            return copy
        }
        defer { copies.forEach { $0.deallocate() } }
        var argv: [UnsafePointer<CChar>?] = copies.map { UnsafePointer($0.assumingMemoryBound(to: CChar.self)) }
        var lengths = arguments.map(\.count)
        guard let raw = redisCommandArgv(context, Int32(arguments.count), &argv, &lengths) else {
            let message = withUnsafeBytes(of: context.pointee.errstr) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            return .failed(code: context.pointee.err, message: message)
        }
        defer { freeReplyObject(raw) }
        let reply = raw.assumingMemoryBound(to: redisReply.self).pointee
        let bytes = reply.str.map { [UInt8](UnsafeRawBufferPointer(start: $0, count: Int(reply.len))) } ?? []
        switch reply.type {
        case REDIS_REPLY_STATUS: return .status(String(decoding: bytes, as: UTF8.self))
        case REDIS_REPLY_ERROR: return .error(String(decoding: bytes, as: UTF8.self))
        case REDIS_REPLY_STRING: return .bulk(bytes)
        case REDIS_REPLY_INTEGER: return .integer(reply.integer)
        case REDIS_REPLY_ARRAY: return .array(Int(reply.elements))
        default: return .null
        }
    }
}
