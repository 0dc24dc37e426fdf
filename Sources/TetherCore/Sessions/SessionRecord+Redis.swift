import Foundation
import TetherWire

/// The `redis` part of a session's `adapter_metadata` (PROTOCOL.md §7): the Python daemon's shape,
/// so a row either daemon wrote reads the same.
extension SessionRecord {
    /// `{"redis":{"channel_id":"output:<sid>","output_stream":"output:<sid>","target_computer":"<computer>"}}`
    /// for a session `computer` asked for over Redis.
    public static func redisMetadata(sessionID: String, targetComputer computer: String) -> String {
        var json = JSONWriter(reservingCapacity: 160)
        json.beginObject()
        json.key("redis")
        json.beginObject()
        json.member("channel_id", "output:\(sessionID)")
        json.member("output_stream", "output:\(sessionID)")
        json.member("target_computer", computer)
        json.endObject()
        json.endObject()
        return String(decoding: json.bytes, as: UTF8.self)
    }

    /// The computer the session's agent notices go to (`redis.target_computer`), when the session
    /// was asked for over Redis; nil for any other metadata, malformed included.
    public var targetComputer: String? {
        guard let text = adapterMetadata, text.contains("target_computer"),
              let root = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
              let redis = root["redis"] as? [String: Any], let computer = redis["target_computer"] as? String, !computer.isEmpty else { return nil }
        return computer
    }
}
