import Logging
import Synchronization
import TetherCore
import TetherRedis

/// Answers the requests of `messages:{name}` the way a Python peer does (PROTOCOL.md §2): its reply
/// entries carry `chunk`, `timestamp` and `message_id`, never `from_computer`. `answer` gives the
/// entries to write for a request (none: stay silent), so a test can put a forged entry first.
final class PythonResponder: Sendable {
    typealias Entry = [(String, String)]

    let name: String
    let link: RedisLink
    let answer: @Sendable (PeerRequest) -> [Entry]
    private let received = Mutex<[PeerRequest]>([])
    private let stop = AsyncEvent()
    private let finished = AsyncEvent()

    init(_ server: RedisServer, name: String, answer: @escaping @Sendable (PeerRequest) -> [Entry]) throws {
        self.name = name
        self.answer = answer
        link = RedisLink(options: try redisOptions(server.url()), name: "python-\(name)", time: .continuous, logger: Logger(label: "python-responder"))
    }

    /// The requests read so far, in order.
    var requests: [PeerRequest] { received.withLock { $0 } }

    /// `{"status": "success", "data": <json>}` as `json.dumps` writes it.
    static func success(_ json: String) -> String { "{\"status\": \"success\", \"data\": \(json)}" }

    /// A reply entry as the Python daemon writes it, optionally forged with a `from_computer`.
    static func entry(_ chunk: String, answering id: String, from: String? = nil) -> Entry {
        [("chunk", chunk), ("timestamp", "1768168302.5"), ("message_id", id)] + (from.map { [("from_computer", $0)] } ?? [])
    }

    /// Reads from the start of the stream until ``finish()``; every loop is bounded by that stop.
    func run() async {
        let stream = RedisKeys.messages(name)
        var last = "0"
        while !stop.isFired {
            guard let reply = try? await link.sendBlocking(["XREAD", "COUNT", "10", "BLOCK", "100", "STREAMS", stream, last],
                                                           block: .milliseconds(100)) else { continue }
            for entry in StreamEntry.entries(ofRead: reply, stream: stream) {
                last = entry.id
                guard let request = try? PeerRequest(fields: entry.fields) else { continue }
                received.withLock { $0.append(request) }
                for fields in answer(request) {
                    var arguments = ["XADD", RedisKeys.reply(to: entry.id), "*"]
                    for (field, value) in fields { arguments += [field, value] }
                    _ = try? await link.send(arguments.map { $0.replacingOccurrences(of: "{id}", with: entry.id) })
                }
            }
        }
        finished.fire()
    }

    func finish() async {
        stop.fire()
        _ = await finished.wait(timeout: .seconds(5), on: .continuous)
        await link.close()
    }
}

/// A requester named `name` on `server`, its reply reader running for the length of `body`, and
/// `responders` answering beside it.
func withRequester(_ server: RedisServer, name: String = "asker", responders: [PythonResponder] = [],
                   _ body: (RedisRequester) async throws -> Void) async throws {
    let requester = RedisRequester(options: try redisOptions(server.url()), computer: name, time: .continuous,
                                   logger: Logger(label: "requester-test"))
    var failure: (any Error)?
    await withDiscardingTaskGroup { group in
        group.addTask { await requester.run() }
        for responder in responders { group.addTask { await responder.run() } }
        do { try await body(requester) } catch { failure = error }
        await requester.stop()
        for responder in responders { await responder.finish() }
    }
    if let failure { throw failure }
}
