import Foundation
import TetherCore

/// Any JSON value a peer sent, kept so it can be decoded later into the type the caller expects
/// (a reply's `data`, a system entry's `args`, `channel_metadata`).
public indirect enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// How deep arrays and objects may nest: the wire's deepest shape (a session summary inside an
    /// event) is 3; a deeper value is refused before the recursive decoder could exhaust a small stack.
    public static let maximumNestingDepth = 32

    /// Parses JSON text (Python's `json.dumps` output or any other valid JSON).
    public init(parsing bytes: [UInt8]) throws {
        guard Self.nestingDepth(of: bytes) <= Self.maximumNestingDepth else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "JSON nested deeper than \(Self.maximumNestingDepth)"))
        }
        self = try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
    }

    /// The deepest bracket nesting outside strings (a lexical count: the decoder judges validity).
    static func nestingDepth(of bytes: [UInt8]) -> Int {
        var depth = 0, deepest = 0, inString = false, escaped = false
        for byte in bytes {
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"): depth += 1; deepest = max(deepest, depth)
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
            default: break
            }
        }
        return deepest
    }

    /// The value as `T`, decoded with `JSONDecoder` (so a wire type's own lenient rules apply).
    public func decode<T: Decodable>(as type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(jsonBytes))
    }

    /// The member `key` of an object; nil for a missing key or a value that is not an object.
    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { members[key] } else { nil }
    }

    /// The text of a string value.
    public var stringValue: String? {
        if case .string(let text) = self { text } else { nil }
    }
}

extension JSONValue: Decodable {
    public init(from decoder: any Decoder) throws {
        let value = try decoder.singleValueContainer()
        if value.decodeNil() {
            self = .null
        } else if let flag = try? value.decode(Bool.self) {
            self = .bool(flag)
        } else if let number = try? value.decode(Int64.self) {
            self = .int(number)
        } else if let number = try? value.decode(Double.self) {
            self = .double(number)
        } else if let text = try? value.decode(String.self) {
            self = .string(text)
        } else if let items = try? value.decode([JSONValue].self) {
            self = .array(items)
        } else {
            self = .object(try value.decode([String: JSONValue].self))
        }
    }
}

extension JSONValue: WireEncodable {
    /// Object members in sorted key order, so one value always gives the same bytes.
    public func write(to json: inout JSONWriter) {
        switch self {
        case .null: json.null()
        case .bool(let flag): json.bool(flag)
        case .int(let number): json.raw(Array(String(number).utf8))
        case .double(let number): json.double(number)
        case .string(let text): json.string(text)
        case .array(let items):
            json.beginArray()
            for item in items { item.write(to: &json) }
            json.endArray()
        case .object(let members):
            json.beginObject()
            for key in members.keys.sorted() {
                json.key(key)
                members[key]?.write(to: &json)
            }
            json.endObject()
        }
    }
}
