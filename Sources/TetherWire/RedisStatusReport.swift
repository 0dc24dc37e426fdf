/// `GET /status`'s `redis` section: whether this computer is joined to the others, and how its
/// request stream stands. Nothing in it is a secret: the URL comes without its password.
public struct RedisStatusReport: Sendable, Equatable {
    /// `redis.enabled`.
    public var enabled: Bool
    /// ``connected``, ``degraded``, ``starting`` or ``disabled``.
    public var state: String
    /// Why Redis is unreachable (or the configuration unusable), while degraded.
    public var lastError: String?
    /// `redis.url` without its password; nil when Redis is disabled or the URL cannot be read.
    public var url: String?
    /// The online peers' computer names, sorted.
    public var peers: [String]
    /// The request stream's cursor (`redis_last_message_id:{computer}`) as the reader holds it.
    public var cursor: String?
    /// Request-stream entries handled so far.
    public var handled: Int
    /// Request-stream entries refused as malformed so far.
    public var rejected: Int

    /// Redis is joined: the heartbeat is written and the peers are known.
    public static let connected = "connected"
    /// Redis is configured but cannot be used now; the daemon serves its own computer and retries.
    public static let degraded = "degraded"
    /// No attempt has finished yet.
    public static let starting = "starting"
    /// `redis.enabled` is off: this computer alone.
    public static let disabled = "disabled"

    /// The section of a daemon without Redis.
    public static let off = RedisStatusReport(enabled: false, state: disabled)

    public init(enabled: Bool, state: String, lastError: String? = nil, url: String? = nil, peers: [String] = [],
                cursor: String? = nil, handled: Int = 0, rejected: Int = 0) {
        self.enabled = enabled
        self.state = state
        self.lastError = lastError
        self.url = url
        self.peers = peers
        self.cursor = cursor
        self.handled = handled
        self.rejected = rejected
    }
}

extension RedisStatusReport: WireCodable {
    public enum CodingKeys: String, CodingKey {
        case enabled, state
        case lastError = "last_error"
        case url, peers, cursor, handled, rejected
    }

    public func write(to json: inout JSONWriter) {
        json.beginObject()
        json.member(CodingKeys.enabled, enabled)
        json.member(CodingKeys.state, state)
        json.member(CodingKeys.lastError, lastError)
        json.member(CodingKeys.url, url)
        json.key(CodingKeys.peers)
        json.beginArray()
        for peer in peers { json.string(peer) }
        json.endArray()
        json.member(CodingKeys.cursor, cursor)
        json.member(CodingKeys.handled, handled)
        json.member(CodingKeys.rejected, rejected)
        json.endObject()
    }

    /// Every member but `enabled` and `state` may be absent.
    public init(from decoder: any Decoder) throws {
        let values = try decoder.container(keyedBy: CodingKeys.self)
        self.init(enabled: try values.decode(Bool.self, forKey: .enabled), state: try values.decode(String.self, forKey: .state),
                  lastError: try values.decodeIfPresent(String.self, forKey: .lastError),
                  url: try values.decodeIfPresent(String.self, forKey: .url),
                  peers: try values.decodeIfPresent([String].self, forKey: .peers) ?? [],
                  cursor: try values.decodeIfPresent(String.self, forKey: .cursor),
                  handled: try values.decodeIfPresent(Int.self, forKey: .handled) ?? 0,
                  rejected: try values.decodeIfPresent(Int.self, forKey: .rejected) ?? 0)
    }
}
