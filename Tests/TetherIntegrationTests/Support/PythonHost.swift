import Foundation
import Logging
import Synchronization
import TetherCore
import TetherRedis

/// A computer that answers its request stream as the Python daemon does (PROTOCOL.md §2, §3), for
/// one session whose text the test sets: `list_sessions`, `get_session_data`, `get_computer_info`,
/// and `NO_HANDLER` for anything else (`watch_screen` included). Replies carry no `from_computer`.
final class PythonHost: Sendable {
    let name: String
    let sessionID: String
    /// The `initiator_session_id` its session reports (a caller on another computer), if any.
    let initiatorSessionID = Mutex<String?>(nil)
    let link: RedisLink
    let text = Mutex("")
    /// The command names asked, in order.
    let asked = Mutex<[String]>([])

    init(_ server: RedisServer, name: String = "py", sessionID: String = "py-session-1") throws {
        self.name = name
        self.sessionID = sessionID
        link = RedisLink(options: try redisOptions(server.url(), block: .milliseconds(200)), name: "python-host", time: .continuous,
                         logger: Logger(label: "python-host"))
    }

    /// The heartbeat a Python daemon writes (SETEX 60 s, no index entry).
    func beat() async throws {
        let heartbeat = "{\"computer_name\": \"\(name)\", \"last_seen\": \"2026-01-11T21:51:41.123456+00:00\", \"interested_in\": []}"
        _ = try await link.send(["SETEX", RedisKeys.heartbeat(name), "60", heartbeat])
    }

    /// Writes its heartbeat, then answers requests while `body` runs. Call it before the daemon
    /// under test starts, so that daemon's first sweep finds a peer that writes no index.
    func serving(_ body: () async throws -> Void) async throws {
        try await beat()
        let stop = AsyncEvent()
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { await self.serve(until: stop) }
            defer { stop.fire() }
            try await body()
        }
    }

    /// Answers requests until `stop` fires.
    func serve(until stop: AsyncEvent) async {
        var position = "0"
        let stream = RedisKeys.messages(name)
        while !stop.isFired {
            guard let reply = try? await link.sendBlocking(["XREAD", "COUNT", "10", "BLOCK", "100", "STREAMS", stream, position],
                                                           block: .milliseconds(100)) else { continue }
            for entry in StreamEntry.entries(ofRead: reply, stream: stream) {
                position = entry.id
                let command = String(decoding: entry.fields.values["command"] ?? [], as: UTF8.self)
                let words = command.split(separator: " ").map(String.init)
                let name = String((words.first ?? "").drop { $0 == "/" })
                asked.withLock { $0.append(name) }
                _ = try? await link.send(["XADD", RedisKeys.reply(to: entry.id), "*", "chunk", answer(name), "timestamp", "1768168301.5",
                                          "message_id", entry.id])
            }
        }
        await link.close()
    }

    private func answer(_ command: String) -> String {
        let stamp = "2026-01-11T21:51:41+00:00"
        switch command {
        case "list_sessions":
            let initiator = initiatorSessionID.withLock { $0 }.map { "\"\($0)\"" } ?? "null"
            return #"{"status": "success", "data": [{"session_id": "\#(sessionID)", "computer": "\#(name)", "title": "py", "status": "active", "created_at": "\#(stamp)", "last_activity": "\#(stamp)", "initiator_session_id": \#(initiator)}]}"#
        case "get_computer_info":
            return #"{"status": "success", "data": {"user": "u", "role": "dev", "host": "py.local"}}"#
        case "get_session_data":
            let data = try? JSONSerialization.data(withJSONObject: ["status": "success", "session_id": sessionID, "messages": text.withLock { $0 }])
            return #"{"status": "success", "data": \#(String(decoding: data ?? Data(), as: UTF8.self))}"#
        default:
            return #"{"status": "error", "error": "No handler registered for event: \#(command)", "code": "NO_HANDLER"}"#
        }
    }
}
