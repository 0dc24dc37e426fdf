/// One agent in `GET /agents/availability` (PROTOCOL.md §5): `{agent, available, unavailable_until, reason}`;
/// the answer is an object of these keyed by agent name.
public struct AgentAvailability: Sendable, Equatable {
    public var agent: String
    /// Nil when it could not be told (the Python daemon's database error).
    public var available: Bool?
    /// ISO stamp until which the agent is rate-limited; Tether keeps no such state, so always nil.
    public var unavailableUntil: String?
    public var reason: String?

    public init(agent: String, available: Bool?, unavailableUntil: String? = nil, reason: String?) {
        self.agent = agent
        self.available = available
        self.unavailableUntil = unavailableUntil
        self.reason = reason
    }
}

extension AgentAvailability: WireCodable {
    public enum CodingKeys: String, CodingKey {
        case agent, available, reason
        case unavailableUntil = "unavailable_until"
    }

    public func write(to json: inout JSONWriter) {
        json.beginObject()
        json.member(CodingKeys.agent, agent)
        json.member(CodingKeys.available, available)
        json.member(CodingKeys.unavailableUntil, unavailableUntil)
        json.member(CodingKeys.reason, reason)
        json.endObject()
    }
}
