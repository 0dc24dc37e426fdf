import Logging
import TetherCore

/// The id of the last `messages:{computer}` entry taken for handling, kept in the settings store
/// under the Python daemon's key (`redis_last_message_id:{computer}`), so a reconnect or a restart
/// neither replays nor loses an entry.
struct RequestCursor: Sendable {
    /// The id an empty or missing stream resolves `$` to: every later entry is read.
    static let streamStart = "0-0"

    let settings: any SettingsStore
    let computer: String
    let logger: Logger

    var key: String { RedisKeys.cursorSetting(computer) }

    /// The saved cursor, or nil when there is none (first start) or it is not a stream id (logged).
    /// A store that cannot be read throws: the caller must not take that for a first start, which
    /// would resolve `$` and skip every entry written since the last id handled.
    func saved() async throws -> String? {
        guard let value = try await settings.value(forKey: key) else { return nil }
        guard Self.isEntryID(value) else {
            logger.warning("the saved request-stream cursor is not a stream id; starting from the stream's end",
                           metadata: ["setting": "\(key)"])
            return nil
        }
        return value
    }

    /// `$` resolved once into the stream's last id (`0-0` when empty), so no entry landing between
    /// two reads is skipped, as the Python reader's repeated `$` would.
    func resolveEnd(on link: any RedisCommandSending) async throws(RedisError) -> String {
        let reply = try await link.send(["XREVRANGE", RedisKeys.messages(computer), "+", "-", "COUNT", "1"])
        return StreamEntry.entries(ofRange: reply).first?.id ?? Self.streamStart
    }

    /// Saves `id` before its entry is handled (at most once, as the Python daemon does). A failure
    /// is logged: handling goes on, and only a restart before the next save could replay the entry.
    func save(_ id: String) async {
        do {
            try await settings.setValue(id, forKey: key)
        } catch {
            logger.error("cannot save the request-stream cursor; a restart now may handle this entry again",
                         metadata: ["setting": "\(key)", "entry": "\(id)", "error": "\(error)"])
        }
    }

    /// `ms-seq` with both parts decimal: anything else in the setting would make every XREAD fail.
    static func isEntryID(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        return parts.count == 2 && parts.allSatisfy { !$0.isEmpty && $0.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }
    }
}
