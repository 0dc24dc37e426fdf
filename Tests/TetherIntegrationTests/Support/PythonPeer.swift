import Foundation
import Logging
import TetherCore
import TetherRedis
import Testing

/// Writes requests and reads replies exactly as a Python peer does (PROTOCOL.md §2).
struct PythonPeer {
    let link: RedisLink
    let name = "peer"

    init(_ server: RedisServer) throws {
        link = RedisLink(options: try redisOptions(server.url()), time: .continuous, logger: Logger(label: "python-peer"))
    }

    /// A peer on `options` (a `rediss://` server with its tunnel, say).
    init(options: RedisConnectionOptions) {
        link = RedisLink(options: options, time: .continuous, logger: Logger(label: "python-peer"))
    }

    /// `XADD messages:{target} * command … timestamp … initiator peer [extra…]`; the entry id.
    @discardableResult
    func send(_ command: String, to target: String, _ extra: [(String, String)] = []) async throws -> String {
        var arguments = ["XADD", RedisKeys.messages(target), "*", "command", command, "timestamp", "1768168301.123", "initiator", name]
        for (field, value) in extra { arguments += [field, value] }
        return try #require(try await link.send(arguments).string)
    }

    /// An entry of raw fields (the fuzz writes bytes that are not UTF-8).
    func sendRaw(_ fields: [(String, [UInt8])], to target: String) async throws -> String {
        var arguments: [[UInt8]] = [Array("XADD".utf8), Array(RedisKeys.messages(target).utf8), Array("*".utf8)]
        for (field, value) in fields { arguments += [Array(field.utf8), value] }
        return try #require(try await link.send(bytes: arguments).string)
    }

    /// Repeats `XREAD COUNT 1 BLOCK 100 STREAMS output:{id} 0` until `timeout`; the first entry's fields.
    func replyFields(_ id: String, timeout: Duration = .seconds(10)) async throws -> [String: String]? {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        let stream = RedisKeys.reply(to: id)
        while clock.now < deadline {
            let reply = try await link.sendBlocking(["XREAD", "COUNT", "1", "BLOCK", "100", "STREAMS", stream, "0"], block: .milliseconds(100))
            if let entry = StreamEntry.entries(ofRead: reply, stream: stream).first {
                return entry.fields.values.mapValues { String(decoding: $0, as: UTF8.self) }
            }
        }
        return nil
    }

    /// The reply's `chunk`, JSON-parsed as a Python requester does.
    func reply(_ id: String, timeout: Duration = .seconds(10)) async throws -> [String: Any]? {
        guard let fields = try await replyFields(id, timeout: timeout), let chunk = fields["chunk"] else { return nil }
        return try JSONSerialization.jsonObject(with: Data(chunk.trimmingCharacters(in: .whitespacesAndNewlines).utf8)) as? [String: Any]
    }

    /// Whether `output:{id}` exists at all.
    func hasReply(_ id: String) async throws -> Bool {
        try await link.send(["EXISTS", RedisKeys.reply(to: id)]) == .integer(1)
    }
}

/// A request-stream reader on `server` with a running registry, for the length of `body`.
func withRequestReader(_ server: RedisServer, computer: String = "tether1", settings: any SettingsStore,
                       commands: RecordingCommands, block: Duration = .seconds(1),
                       _ body: (RequestStreamReader) async throws -> Void) async throws {
    let logger = Logger(label: "request-stream-test")
    let registry = TaskRegistry(logger: logger)
    let replyLink = RedisLink(options: try redisOptions(server.url()), name: "redis.commands", time: .continuous, logger: logger)
    let reader = RequestStreamReader(options: try redisOptions(server.url()), replyLink: replyLink, commands: commands, settings: settings,
                                     registry: registry, computer: computer, block: block, time: .continuous, logger: logger)
    let stop = AsyncEvent()
    var failure: (any Error)?
    await withDiscardingTaskGroup { group in
        group.addTask { await registry.run() }
        let finished = AsyncEvent()
        group.addTask {
            await reader.run(until: stop)
            finished.fire()
        }
        do { try await body(reader) } catch { failure = error }
        stop.fire()
        // run() must end on stop by itself, before anything is cancelled.
        if await !finished.wait(timeout: .seconds(5), on: .continuous) { failure = failure ?? ReaderDidNotStop() }
        _ = await registry.shutdown(timeout: .seconds(5))
        group.cancelAll()
    }
    await replyLink.close()
    if let failure { throw failure }
}

/// The reader's run() outlived its stop event.
struct ReaderDidNotStop: Error {}
