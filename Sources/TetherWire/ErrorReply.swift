/// A refused request, in FastAPI's shapes (PROTOCOL.md §5): `{detail: text}` (404, 405, 413, 415,
/// 500), `{status:"error", message, error, detail}` (a failed session command: the Python clients
/// read `message` or `error`), or `{detail: [problem, ...]}` (422).
public struct ErrorReply: Sendable, Equatable {
    /// Set in the session-command layout only.
    public var message: String?
    public var detail: Detail

    public enum Detail: Sendable, Equatable {
        case text(String)
        case problems([ValidationProblem])
    }

    /// `{detail: message}`.
    public static func detail(_ message: String) -> ErrorReply { ErrorReply(message: nil, detail: .text(message)) }
    /// `{status:"error", message, error, detail}`, all three the same text.
    public static func failure(_ message: String) -> ErrorReply { ErrorReply(message: message, detail: .text(message)) }
    /// `{detail: [problem, ...]}`.
    public static func problems(_ problems: [ValidationProblem]) -> ErrorReply { ErrorReply(message: nil, detail: .problems(problems)) }

    /// One line for a person: the message, or each problem as `location: text`.
    public var summary: String {
        if let message { return message }
        switch detail {
        case .text(let text): return text
        case .problems(let problems): return problems.map { "\($0.location.joined(separator: ".")): \($0.message)" }.joined(separator: "; ")
        }
    }
}

extension ErrorReply: WireCodable {
    public enum CodingKeys: String, CodingKey { case status, message, error, detail }

    public func write(to json: inout JSONWriter) {
        json.beginObject()
        if let message {
            json.member(CodingKeys.status, WireStatus.error)
            json.member(CodingKeys.message, message)
            json.member(CodingKeys.error, message)
        }
        switch detail {
        case .text(let text): json.member(CodingKeys.detail, text)
        case .problems(let problems): json.member(CodingKeys.detail, problems)
        }
        json.endObject()
    }

    public init(from decoder: any Decoder) throws {
        let values = try decoder.container(keyedBy: CodingKeys.self)
        message = try values.decodeIfPresent(String.self, forKey: .message) ?? values.decodeIfPresent(String.self, forKey: .error)
        if let problems = try? values.decode([ValidationProblem].self, forKey: .detail) {
            detail = .problems(problems)
        } else {
            detail = .text(try values.decodeIfPresent(String.self, forKey: .detail) ?? message ?? "")
        }
    }
}

/// One pydantic-style validation problem: `{type, loc, msg, input, ctx?}`.
public struct ValidationProblem: Sendable, Equatable {
    public var type: String
    public var location: [String]
    public var message: String
    public var input: String?
    /// `ctx`, such as `{"min_length": 2}`.
    public var context: [String: Int]?

    public init(type: String, location: [String], message: String, input: String? = nil, context: [String: Int]? = nil) {
        self.type = type
        self.location = location
        self.message = message
        self.input = input
        self.context = context
    }

    /// A required field that is absent.
    public static func missing(_ location: [String]) -> ValidationProblem {
        ValidationProblem(type: "missing", location: location, message: "Field required")
    }
}

extension ValidationProblem: WireCodable {
    public enum CodingKeys: String, CodingKey {
        case type
        case location = "loc"
        case message = "msg"
        case input
        case context = "ctx"
    }

    public func write(to json: inout JSONWriter) {
        json.beginObject()
        json.member(CodingKeys.type, type)
        json.key(CodingKeys.location)
        json.beginArray()
        for part in location { json.string(part) }
        json.endArray()
        json.member(CodingKeys.message, message)
        json.member(CodingKeys.input, input)
        if let context {
            json.key(CodingKeys.context)
            json.beginObject()
            for (key, value) in context.sorted(by: { $0.key < $1.key }) { json.member(key, value) }
            json.endObject()
        }
        json.endObject()
    }

    /// `loc` parts may be numbers (an index in a list) in pydantic's answers; they read as text.
    public init(from decoder: any Decoder) throws {
        let values = try decoder.container(keyedBy: CodingKeys.self)
        type = try values.decode(String.self, forKey: .type)
        message = try values.decodeIfPresent(String.self, forKey: .message) ?? ""
        input = try? values.decodeIfPresent(String.self, forKey: .input)
        context = try? values.decodeIfPresent([String: Int].self, forKey: .context)
        var parts = try values.nestedUnkeyedContainer(forKey: .location)
        location = []
        while !parts.isAtEnd {
            if let text = try? parts.decode(String.self) { location.append(text) } else { location.append(String(try parts.decode(Int.self))) }
        }
    }
}
