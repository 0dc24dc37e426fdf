import Foundation
import Hummingbird
import TetherCore

/// JSON responses in the shapes the Python daemon's clients read, built in one place.
enum APIResponse {
    static let jsonHeaders: HTTPFields = [.contentType: "application/json"]

    /// `bytes` as a JSON response.
    static func json(_ bytes: [UInt8], status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: jsonHeaders, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// A wire value as a JSON response.
    static func json(_ value: some WireEncodable, status: HTTPResponse.Status = .ok) -> Response {
        json(value.jsonBytes, status: status)
    }

    /// `{"detail": message}`: FastAPI's shape for 404, 405, 413, 415 and 500.
    static func detail(_ message: String, status: HTTPResponse.Status) -> Response {
        json(ErrorReply.detail(message), status: status)
    }

    /// `{"status":"error", "message", "error", "detail"}`: what the Python clients read from a failed
    /// session command (`message` or `error`), with FastAPI's `detail` beside them.
    static func failure(_ message: String, status: HTTPResponse.Status) -> Response {
        json(ErrorReply.failure(message), status: status)
    }

    /// A 422 answer listing `problems`.
    static func problems(_ problems: [ValidationProblem]) -> Response {
        json(ErrorReply.problems(problems), status: .unprocessableContent)
    }

    /// A command-layer error as HTTP: not found 404, a request that cannot be honoured 400, a part
    /// not running 503, a deadline 504, anything else 500 `Failed to <action>: <message>`.
    static func error(_ error: any Error, action: String) -> Response {
        guard let error = error as? TetherError else {
            return detail("Failed to \(action): \(error)", status: .internalServerError)
        }
        switch error.code {
        case .notFound: return failure(error.message, status: .notFound)
        case .gone: return failure(error.message, status: .gone)
        case .invalidRequest: return failure(error.message, status: .badRequest)
        case .unavailable: return failure(error.message, status: .serviceUnavailable)
        case .timeout: return failure("Failed to \(action): \(error.message)", status: .gatewayTimeout)
        default: return detail("Failed to \(action): \(error.message)", status: .internalServerError)
        }
    }
}

/// A JSON request body, read with a size limit, with typed field readers that collect problems.
struct JSONBody {
    /// The largest body accepted (a message of up to 1 MiB of text, JSON-escaped).
    static let maximumSize = 4 << 20

    private let object: [String: Any]
    var problems: [ValidationProblem] = []

    /// Reads and parses the body; a response (413, 415, 422) when it cannot be a JSON object.
    static func read(_ request: Request) async -> Result<JSONBody, ResponseError> {
        if let type = request.headers[.contentType], !type.lowercased().hasPrefix("application/json") {
            return .failure(ResponseError(APIResponse.detail("Unsupported content type \(type); send application/json", status: .unsupportedMediaType)))
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maximumSize)
        } catch {
            return .failure(ResponseError(APIResponse.detail("Request body too large: at most \(maximumSize) bytes", status: .contentTooLarge)))
        }
        let data = Data(buffer.readableBytesView)
        guard let parsed = try? JSONSerialization.jsonObject(with: data), let object = parsed as? [String: Any] else {
            let problem = ValidationProblem(type: data.isEmpty ? "missing" : "json_invalid", location: ["body"],
                                            message: data.isEmpty ? "Field required" : "JSON decode error: the body must be a JSON object")
            return .failure(ResponseError(APIResponse.problems([problem])))
        }
        return .success(JSONBody(object: object))
    }

    /// A string field: nil when absent or null (or a problem when `required`), a problem when not a
    /// string or shorter than `minLength`.
    mutating func string(_ key: String, required: Bool = false, minLength: Int = 0) -> String? {
        guard let value = object[key], !(value is NSNull) else {
            if required { problems.append(.missing(["body", key])) }
            return nil
        }
        guard let text = value as? String else {
            problems.append(ValidationProblem(type: "string_type", location: ["body", key], message: "Input should be a valid string", input: "\(value)"))
            return nil
        }
        if text.count < minLength {
            problems.append(ValidationProblem(type: "string_too_short", location: ["body", key],
                                              message: "String should have at least \(minLength) character\(minLength == 1 ? "" : "s")",
                                              input: text, context: ["min_length": minLength]))
            return nil
        }
        return text
    }

    /// A string field that must be one of `allowed` (pydantic's `literal_error`).
    mutating func literal(_ key: String, _ allowed: [String], default fallback: String?) -> String? {
        guard let text = string(key) else { return fallback }
        guard allowed.contains(text) else {
            problems.append(ValidationProblem(type: "literal_error", location: ["body", key],
                                         message: "Input should be " + allowed.map { "'\($0)'" }.joined(separator: ", "), input: text))
            return nil
        }
        return text
    }

    mutating func int(_ key: String, default fallback: Int, range: ClosedRange<Int>) -> Int {
        guard let value = object[key], !(value is NSNull) else { return fallback }
        guard let number = value as? Int, !Self.isBoolean(value) else {
            problems.append(ValidationProblem(type: "int_parsing", location: ["body", key], message: "Input should be a valid integer", input: "\(value)"))
            return fallback
        }
        guard range.contains(number) else {
            problems.append(ValidationProblem(type: "value_error", location: ["body", key], message: "Input should be from \(range.lowerBound) to \(range.upperBound)", input: "\(number)"))
            return fallback
        }
        return number
    }

    mutating func bool(_ key: String) -> Bool {
        guard let value = object[key], !(value is NSNull) else { return false }
        guard Self.isBoolean(value), let flag = value as? Bool else {
            problems.append(ValidationProblem(type: "bool_parsing", location: ["body", key], message: "Input should be a valid boolean", input: "\(value)"))
            return false
        }
        return flag
    }

    /// Whether a parsed JSON value was `true` or `false` (Foundation hands numbers and booleans
    /// back as NSNumber, and a 1 also casts to Bool).
    private static func isBoolean(_ value: Any) -> Bool {
        guard let number = value as? NSNumber else { return false }
        return String(cString: number.objCType) == "c"
    }

    /// A list of strings (or one string).
    mutating func strings(_ key: String) -> [String]? {
        guard let value = object[key], !(value is NSNull) else { return nil }
        if let one = value as? String { return [one] }
        guard let list = value as? [Any], list.allSatisfy({ $0 is String }) else {
            problems.append(ValidationProblem(type: "list_type", location: ["body", key], message: "Input should be a list of strings", input: "\(value)"))
            return nil
        }
        return list.map { $0 as! String }
    }
}

/// A response to send instead of going on (a bad body, a bad query).
struct ResponseError: Error {
    let response: Response
    init(_ response: Response) { self.response = response }
}

extension Request {
    /// A query parameter, percent-decoded.
    func query(_ name: String) -> String? {
        uri.queryParameters[name[...]].map { String($0) }
    }
}
