/// `get_session_data`'s answer and the transcript endpoint's `data` (PROTOCOL.md §3, §5):
/// `{status:"success", session_id, project_dir, messages, created_at, last_activity}`.
public struct SessionOutput: Sendable, Equatable {
    public var sessionID: String
    public var projectDirectory: String?
    public var messages: String
    public var createdAt: String?
    public var lastActivity: String?

    public init(sessionID: String, projectDirectory: String?, messages: String, createdAt: String?, lastActivity: String?) {
        self.sessionID = sessionID
        self.projectDirectory = projectDirectory
        self.messages = messages
        self.createdAt = createdAt
        self.lastActivity = lastActivity
    }
}

extension SessionOutput: WireCodable {
    public enum CodingKeys: String, CodingKey {
        case status
        case sessionID = "session_id"
        case projectDirectory = "project_dir"
        case messages
        case createdAt = "created_at"
        case lastActivity = "last_activity"
    }

    public func write(to json: inout JSONWriter) {
        json.beginObject()
        json.member(CodingKeys.status, WireStatus.success)
        json.member(CodingKeys.sessionID, sessionID)
        json.member(CodingKeys.projectDirectory, projectDirectory)
        json.member(CodingKeys.messages, messages)
        json.member(CodingKeys.createdAt, createdAt)
        json.member(CodingKeys.lastActivity, lastActivity)
        json.endObject()
    }

    public init(from decoder: any Decoder) throws {
        let values = try decoder.container(keyedBy: CodingKeys.self)
        self.init(sessionID: try values.decode(String.self, forKey: .sessionID),
                  projectDirectory: try values.decodeIfPresent(String.self, forKey: .projectDirectory),
                  messages: try values.decodeIfPresent(String.self, forKey: .messages) ?? "",
                  createdAt: try values.decodeIfPresent(String.self, forKey: .createdAt),
                  lastActivity: try values.decodeIfPresent(String.self, forKey: .lastActivity))
    }
}

/// `GET /sessions/{id}/transcript`: `{status, data: SessionOutput, transcript}`; `transcript` is what
/// the Python client reads (PROTOCOL.md §9.15), beside the `data.messages` the Python server sent.
public struct TranscriptReply: Sendable, Equatable {
    public var data: SessionOutput
    public var transcript: String { data.messages }

    public init(_ data: SessionOutput) { self.data = data }
}

extension TranscriptReply: WireCodable {
    public enum CodingKeys: String, CodingKey { case status, data, transcript }

    public func write(to json: inout JSONWriter) {
        json.beginObject()
        json.member(CodingKeys.status, WireStatus.success)
        json.member(CodingKeys.data, data)
        json.member(CodingKeys.transcript, transcript)
        json.endObject()
    }

    public init(from decoder: any Decoder) throws {
        let values = try decoder.container(keyedBy: CodingKeys.self)
        data = try values.decode(SessionOutput.self, forKey: .data)
    }
}

/// `POST /sessions` (both the baseline's nested `data` and the later flat layout, PROTOCOL.md §5):
/// `{status, data: {session_id, tmux_session_name}, session_id, tmux_session_name, error, session}`.
/// `Summary` is the daemon's `Session` (its cached bytes spliced) or a client's ``SessionSummary``.
public struct SessionCreatedReply<Summary> {
    public var sessionID: String
    public var tmuxSessionName: String
    public var session: Summary

    public init(sessionID: String, tmuxSessionName: String, session: Summary) {
        self.sessionID = sessionID
        self.tmuxSessionName = tmuxSessionName
        self.session = session
    }

    public enum CodingKeys: String, CodingKey {
        case status, data, error, session
        case sessionID = "session_id"
        case tmuxSessionName = "tmux_session_name"
    }
}

extension SessionCreatedReply: Sendable where Summary: Sendable {}
extension SessionCreatedReply: Decodable where Summary: Decodable {
    public init(from decoder: any Decoder) throws {
        let values = try decoder.container(keyedBy: CodingKeys.self)
        self.init(sessionID: try values.decode(String.self, forKey: .sessionID),
                  tmuxSessionName: try values.decode(String.self, forKey: .tmuxSessionName),
                  session: try values.decode(Summary.self, forKey: .session))
    }
}

extension SessionCreatedReply: WireEncodable where Summary: WireEncodable {
    public func write(to json: inout JSONWriter) {
        json.beginObject()
        json.member(CodingKeys.status, WireStatus.success)
        json.key(CodingKeys.data)
        json.beginObject()
        json.member(CodingKeys.sessionID, sessionID)
        json.member(CodingKeys.tmuxSessionName, tmuxSessionName)
        json.endObject()
        json.member(CodingKeys.sessionID, sessionID)
        json.member(CodingKeys.tmuxSessionName, tmuxSessionName)
        json.key(CodingKeys.error)
        json.null()
        json.member(CodingKeys.session, session)
        json.endObject()
    }
}

/// `DELETE /sessions/{id}`: `{status, message, session}` (the Python shape plus the final summary).
public struct SessionEndedReply<Summary> {
    public var message: String
    public var session: Summary

    public init(message: String, session: Summary) {
        self.message = message
        self.session = session
    }

    public enum CodingKeys: String, CodingKey { case status, message, session }
}

extension SessionEndedReply: Sendable where Summary: Sendable {}
extension SessionEndedReply: Decodable where Summary: Decodable {
    public init(from decoder: any Decoder) throws {
        let values = try decoder.container(keyedBy: CodingKeys.self)
        self.init(message: try values.decode(String.self, forKey: .message), session: try values.decode(Summary.self, forKey: .session))
    }
}

extension SessionEndedReply: WireEncodable where Summary: WireEncodable {
    public func write(to json: inout JSONWriter) {
        json.beginObject()
        json.member(CodingKeys.status, WireStatus.success)
        json.member(CodingKeys.message, message)
        json.member(CodingKeys.session, session)
        json.endObject()
    }
}

/// The `status` values of the Python daemon's envelopes.
public enum WireStatus {
    public static let success = "success"
    public static let error = "error"
}
