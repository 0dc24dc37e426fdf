/// A wire value that writes itself with a ``JSONWriter``: fixed key order, nil as an explicit
/// `null`, as the Python daemon's `json.dumps` sends them. Readers decode the same type with
/// `JSONDecoder` (its `CodingKeys` hold the key names for both directions).
public protocol WireEncodable {
    /// Appends this value's JSON to `json`.
    func write(to json: inout JSONWriter)
}

extension WireEncodable {
    /// This value as UTF-8 JSON.
    public var jsonBytes: [UInt8] {
        var json = JSONWriter()
        write(to: &json)
        return json.bytes
    }
}

/// A wire type read with `JSONDecoder` and written with a ``JSONWriter``.
public typealias WireCodable = Decodable & WireEncodable

extension Array: WireEncodable where Element: WireEncodable {
    public func write(to json: inout JSONWriter) { json.write(self) }
}
