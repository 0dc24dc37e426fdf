/// A small JSON writer with a fixed key order: the daemon's wire bytes are built with it once and reused.
public struct JSONWriter: Sendable {
    public private(set) var bytes: [UInt8] = []
    private var needsComma: [Bool] = []

    public init(reservingCapacity capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    public mutating func beginObject() { separate(); bytes.append(UInt8(ascii: "{")); needsComma.append(false) }
    public mutating func endObject() { needsComma.removeLast(); bytes.append(UInt8(ascii: "}")) }
    public mutating func beginArray() { separate(); bytes.append(UInt8(ascii: "[")); needsComma.append(false) }
    public mutating func endArray() { needsComma.removeLast(); bytes.append(UInt8(ascii: "]")) }

    /// Starts a member of the current object; the next value written is its value.
    public mutating func key(_ name: String) {
        separate()
        appendString(name)
        bytes.append(UInt8(ascii: ":"))
        if !needsComma.isEmpty { needsComma[needsComma.count - 1] = false }
    }

    public mutating func string(_ value: String?) {
        separate()
        if let value { appendString(value) } else { appendLiteral("null") }
    }

    public mutating func int(_ value: Int?) {
        separate()
        if let value { appendLiteral(String(value)) } else { appendLiteral("null") }
    }

    public mutating func double(_ value: Double?) {
        separate()
        guard let value, value.isFinite else { appendLiteral("null"); return }
        appendLiteral(value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) + ".0" : String(value))
    }

    public mutating func bool(_ value: Bool?) {
        separate()
        if let value { appendLiteral(value ? "true" : "false") } else { appendLiteral("null") }
    }

    public mutating func null() { separate(); appendLiteral("null") }

    /// Splices bytes that already hold one JSON value (a cached encoding).
    public mutating func raw(_ json: [UInt8]) { separate(); bytes.append(contentsOf: json) }

    /// `key` then `string`, skipping nothing: a nil is written as null, as the Python daemon does.
    public mutating func member(_ name: String, _ value: String?) { key(name); string(value) }
    public mutating func member(_ name: String, _ value: Int?) { key(name); int(value) }
    public mutating func member(_ name: String, _ value: Bool?) { key(name); bool(value) }
    public mutating func member(_ name: String, _ value: Double?) { key(name); double(value) }

    /// The same, named by a wire type's coding key, so the key's text lives in one place.
    public mutating func member(_ key: some CodingKey, _ value: String?) { member(key.stringValue, value) }
    public mutating func member(_ key: some CodingKey, _ value: Int?) { member(key.stringValue, value) }
    public mutating func member(_ key: some CodingKey, _ value: Bool?) { member(key.stringValue, value) }
    public mutating func member(_ key: some CodingKey, _ value: Double?) { member(key.stringValue, value) }
    public mutating func key(_ key: some CodingKey) { self.key(key.stringValue) }

    /// `key` then a wire value (an object or a list of them).
    public mutating func member(_ key: some CodingKey, _ value: some WireEncodable) { self.key(key.stringValue); value.write(to: &self) }
    public mutating func member(_ name: String, _ value: some WireEncodable) { key(name); value.write(to: &self) }

    /// `[value, ...]`.
    public mutating func write(_ values: [some WireEncodable]) {
        beginArray()
        for value in values { value.write(to: &self) }
        endArray()
    }

    private mutating func separate() {
        guard let last = needsComma.last else { return }
        if last { bytes.append(UInt8(ascii: ",")) } else { needsComma[needsComma.count - 1] = true }
    }

    private mutating func appendLiteral(_ text: String) { bytes.append(contentsOf: text.utf8) }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    private mutating func appendString(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20, 0x7F:
                bytes.append(contentsOf: Array("\\u00".utf8))
                bytes.append(Self.hex[Int(byte >> 4)])
                bytes.append(Self.hex[Int(byte & 0xF)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
