/// What a client sends on `/ws`: `{"subscribe": topic}`, `{"subscribe": {"session": id}}`,
/// `{"subscribe": {"computer", "types"}}`, their `unsubscribe` forms, `{"refresh": true}`.
public enum ClientMessage: Sendable, Equatable {
    case subscribe(topic: String)
    case subscribeSession(String)
    case subscribeComputer(String, types: [String])
    case unsubscribe(topic: String)
    case unsubscribeSession(String)
    case unsubscribeComputer(String)
    case refresh

    /// The message as the text of one frame.
    public var text: String {
        var json = JSONWriter()
        json.beginObject()
        switch self {
        case .subscribe(let topic): json.member("subscribe", topic)
        case .unsubscribe(let topic): json.member("unsubscribe", topic)
        case .subscribeSession(let id): Self.object(&json, "subscribe") { $0.member("session", id) }
        case .unsubscribeSession(let id): Self.object(&json, "unsubscribe") { $0.member("session", id) }
        case .unsubscribeComputer(let name): Self.object(&json, "unsubscribe") { $0.member("computer", name) }
        case .subscribeComputer(let name, let types):
            Self.object(&json, "subscribe") { json in
                json.member("computer", name)
                json.key("types")
                json.beginArray()
                for type in types { json.string(type) }
                json.endArray()
            }
        case .refresh: json.member("refresh", true)
        }
        json.endObject()
        return String(decoding: json.bytes, as: UTF8.self)
    }

    private static func object(_ json: inout JSONWriter, _ key: String, _ body: (inout JSONWriter) -> Void) {
        json.key(key)
        json.beginObject()
        body(&json)
        json.endObject()
    }
}
