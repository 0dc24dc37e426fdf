/// A server message on `/ws` (PROTOCOL.md §6): `{"event": name, "data": object}`.
public struct WireEvent<Payload> {
    public var event: String
    public var data: Payload

    public init(_ event: String, _ data: Payload) {
        self.event = event
        self.data = data
    }

    public enum CodingKeys: String, CodingKey { case event, data }
}

extension WireEvent: Sendable where Payload: Sendable {}
extension WireEvent: Decodable where Payload: Decodable {}

extension WireEvent: WireEncodable where Payload: WireEncodable {
    public func write(to json: inout JSONWriter) {
        json.beginObject()
        json.member(CodingKeys.event, event)
        json.member(CodingKeys.data, data)
        json.endObject()
    }

    /// The message as the text of one WebSocket frame, encoded once for every client.
    public var text: String { String(decoding: jsonBytes, as: UTF8.self) }
}

/// Only the name of an event: what a client reads first to pick the payload type.
public struct WireEventName: Sendable, Decodable {
    public var event: String

    /// The event names the daemon sends.
    public static let sessionsInitial = "sessions_initial"
    public static let preparationInitial = "preparation_initial"
    public static let projectsInitial = "projects_initial"
    public static let sessionCreated = "session_created"
    public static let sessionUpdated = "session_updated"
    public static let sessionRemoved = "session_removed"
    public static let sessionOutput = "session_output"
    /// Tether's own: a text sent to a session was queued, delivered or failed (an ``InputReceipt``).
    public static let inputUpdated = "input_updated"
    public static let error = "error"
}

/// `sessions_initial`: `{computer, sessions}`.
public struct SessionsSnapshot<Summary> {
    public var computer: String
    public var sessions: [Summary]

    public init(computer: String, sessions: [Summary]) {
        self.computer = computer
        self.sessions = sessions
    }

    public enum CodingKeys: String, CodingKey { case computer, sessions }
}

extension SessionsSnapshot: Sendable where Summary: Sendable {}
extension SessionsSnapshot: Decodable where Summary: Decodable {}

extension SessionsSnapshot: WireEncodable where Summary: WireEncodable {
    public func write(to json: inout JSONWriter) {
        json.beginObject()
        json.member(CodingKeys.computer, computer)
        json.member(CodingKeys.sessions, sessions)
        json.endObject()
    }
}

/// `preparation_initial` and `projects_initial`: `{computer, projects}`, each project in the snapshot layout.
public struct ProjectsSnapshot: Sendable, Equatable {
    public var computer: String
    public var projects: [Project]

    public init(computer: String, projects: [Project]) {
        self.computer = computer
        self.projects = projects
    }
}

extension ProjectsSnapshot: WireCodable {
    public enum CodingKeys: String, CodingKey { case computer, projects }

    public func write(to json: inout JSONWriter) {
        json.beginObject()
        json.member(CodingKeys.computer, computer)
        json.member(CodingKeys.projects, projects.map { $0.listed(on: computer, as: .snapshot) })
        json.endObject()
    }

    public init(from decoder: any Decoder) throws {
        let values = try decoder.container(keyedBy: CodingKeys.self)
        computer = try values.decodeIfPresent(String.self, forKey: .computer) ?? ""
        projects = try values.decode([Project].self, forKey: .projects)
    }
}

/// `session_output`: a session's current screen, `{session_id, screen, ts}`; `ts` is when the daemon
/// published it (µs since the epoch), so a client can tell the delivery delay. Absent in a snapshot.
public struct ScreenUpdate: Sendable, Equatable, Codable, WireEncodable {
    public var sessionID: String
    public var screen: String
    public var publishedMicroseconds: Int64?

    public init(sessionID: String, screen: String, publishedMicroseconds: Int64? = nil) {
        self.sessionID = sessionID
        self.screen = screen
        self.publishedMicroseconds = publishedMicroseconds
    }

    public enum CodingKeys: String, CodingKey {
        case sessionID = "session_id"
        case screen
        case publishedMicroseconds = "ts"
    }

    public func write(to json: inout JSONWriter) {
        json.beginObject()
        json.member(CodingKeys.sessionID, sessionID)
        json.member(CodingKeys.screen, screen)
        if let publishedMicroseconds { json.member(CodingKeys.publishedMicroseconds, Int(publishedMicroseconds)) }
        json.endObject()
    }
}

/// `session_removed`: `{session_id, computer, status}` (the Python daemon sent only `session_id`).
public struct SessionRemoved: Sendable, Equatable, Codable, WireEncodable {
    public var sessionID: String
    public var computer: String?
    public var status: String?

    public init(sessionID: String, computer: String?, status: String?) {
        self.sessionID = sessionID
        self.computer = computer
        self.status = status
    }

    public enum CodingKeys: String, CodingKey {
        case sessionID = "session_id"
        case computer, status
    }

    public func write(to json: inout JSONWriter) {
        json.beginObject()
        json.member(CodingKeys.sessionID, sessionID)
        json.member(CodingKeys.computer, computer)
        json.member(CodingKeys.status, status)
        json.endObject()
    }
}

/// `error`: `{message}`, what went wrong with the client's last message.
public struct EventError: Sendable, Equatable, Codable, WireEncodable {
    public var message: String

    public init(message: String) { self.message = message }

    public func write(to json: inout JSONWriter) {
        json.beginObject()
        json.member("message", message)
        json.endObject()
    }
}
