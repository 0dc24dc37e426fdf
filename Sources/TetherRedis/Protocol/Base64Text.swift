import Foundation
import TetherCore

/// The Base64 arguments of `stop_notification` and `input_notification` (PROTOCOL.md §3):
/// standard alphabet, with padding, of UTF-8 text.
public enum Base64Text {
    public static func encode(_ text: String) -> String { Data(text.utf8).base64EncodedString() }

    /// The text `word` encodes; an error naming `field` when it is not padded standard Base64 of UTF-8.
    public static func decode(_ word: String, field: String) throws(RedisProtocolError) -> String {
        guard let data = Data(base64Encoded: word) else {
            throw RedisProtocolError(.invalidBase64, field: field,
                                     "\(field) must be standard Base64 with padding (base64.b64encode); it is not.")
        }
        guard let text = String(validating: Array(data), as: UTF8.self) else {
            throw RedisProtocolError(.invalidBase64, field: field, "\(field) must encode UTF-8 text; its bytes are not UTF-8.")
        }
        return text
    }
}
