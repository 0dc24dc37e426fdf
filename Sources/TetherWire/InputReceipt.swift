/// What became of one text sent to a session (`POST /sessions/{id}/message` answers with its id):
/// `queued` until the agent can take it, then `delivered` (the agent confirmed the submit),
/// `unconfirmed` (typed and submitted, but no hook or screen confirmed it) or `failed` (never
/// typed; `reason` says why). Read by id at `GET /inputs/{id}`.
public struct InputReceipt: Sendable, Equatable, Codable {
    public enum State: String, Sendable, Codable {
        case queued, delivered, unconfirmed, failed
    }

    public var inputID: String
    public var sessionID: String
    public var state: State
    public var reason: String?

    public init(inputID: String, sessionID: String, state: State, reason: String? = nil) {
        self.inputID = inputID
        self.sessionID = sessionID
        self.state = state
        self.reason = reason
    }

    public enum CodingKeys: String, CodingKey {
        case inputID = "input_id"
        case sessionID = "session_id"
        case state, reason
    }

    /// Whether it will change no more.
    public var isFinal: Bool { state != .queued }
}

extension InputReceipt: WireEncodable {
    public func write(to json: inout JSONWriter) {
        json.beginObject()
        json.member(CodingKeys.inputID, inputID)
        json.member(CodingKeys.sessionID, sessionID)
        json.member(CodingKeys.state, state.rawValue)
        json.member(CodingKeys.reason, reason)
        json.endObject()
    }
}
