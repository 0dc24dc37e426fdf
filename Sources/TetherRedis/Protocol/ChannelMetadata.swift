import TetherCore

/// The keys of a request's `channel_metadata` that a `new_session` reads (PROTOCOL.md §3).
/// Other keys are ignored, as the Python daemon ignores them.
public struct ChannelMetadata: Sendable, Equatable {
    public var initiatorAgent: String?
    public var initiatorMode: String?
    /// Appended to the session's project directory.
    public var subfolder: String?
    public var workingSlug: String?
    public var initiatorSessionID: String?

    public init(initiatorAgent: String? = nil, initiatorMode: String? = nil, subfolder: String? = nil,
                workingSlug: String? = nil, initiatorSessionID: String? = nil) {
        self.initiatorAgent = initiatorAgent
        self.initiatorMode = initiatorMode
        self.subfolder = subfolder
        self.workingSlug = workingSlug
        self.initiatorSessionID = initiatorSessionID
    }

    public enum Key: String, CaseIterable, Sendable {
        case initiatorAgent = "initiator_agent"
        case initiatorMode = "initiator_mode"
        case subfolder
        case workingSlug = "working_slug"
        case initiatorSessionID = "initiator_session_id"
    }

    /// True when no key is set: such metadata is not sent at all.
    public var isEmpty: Bool { Key.allCases.allSatisfy { self[$0] == nil } }

    public subscript(key: Key) -> String? {
        get {
            switch key {
            case .initiatorAgent: initiatorAgent
            case .initiatorMode: initiatorMode
            case .subfolder: subfolder
            case .workingSlug: workingSlug
            case .initiatorSessionID: initiatorSessionID
            }
        }
        set {
            switch key {
            case .initiatorAgent: initiatorAgent = newValue
            case .initiatorMode: initiatorMode = newValue
            case .subfolder: subfolder = newValue
            case .workingSlug: workingSlug = newValue
            case .initiatorSessionID: initiatorSessionID = newValue
            }
        }
    }

    /// Reads the known keys of a decoded `channel_metadata` object: a string is the value, a null or
    /// an empty string is absent, any other JSON type is refused (the Python handler would fail on it).
    public init(members: [String: JSONValue]) throws(RedisProtocolError) {
        for key in Key.allCases {
            switch members[key.rawValue] {
            case nil, .null?: continue
            case .string(let text)?: self[key] = text.isEmpty ? nil : text
            case _?:
                throw RedisProtocolError(.invalidJSON, field: "channel_metadata",
                                         "channel_metadata key '\(key.rawValue)' must be a string or null; send it as a string.")
            }
        }
    }

    /// `json.dumps`-compatible text with the set keys in ``Key`` order.
    public var jsonText: String {
        var json = JSONWriter()
        json.beginObject()
        for key in Key.allCases { if let value = self[key] { json.member(key.rawValue, value) } }
        json.endObject()
        return String(decoding: json.bytes, as: UTF8.self)
    }
}
