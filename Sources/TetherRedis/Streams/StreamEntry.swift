import TetherCore

/// One entry of a stream as `XREAD` / `XREVRANGE` return it: its id and its fields.
public struct StreamEntry: Sendable, Equatable {
    /// The entry id (`ms-seq`).
    public var id: String
    /// The entry's fields, values as bytes.
    public var fields: StreamFields

    /// An entry of `id` with `fields`.
    public init(id: String, fields: StreamFields) {
        self.id = id
        self.fields = fields
    }

    /// The entries of an `XRANGE`-shaped reply (`[[id, [field, value, …]], …]`); an element of
    /// another shape is dropped, an odd trailing field is ignored (Redis never sends either).
    public static func entries(ofRange reply: RedisValue) -> [StreamEntry] {
        (reply.array ?? []).compactMap { element in
            guard let pair = element.array, pair.count == 2, let id = pair[0].string else { return nil }
            let flat = pair[1].array ?? []
            var fields: [(field: String, value: [UInt8])] = []
            var index = 0
            while index + 1 < flat.count {
                if let name = flat[index].string, let value = flat[index + 1].bytes { fields.append((field: name, value: value)) }
                index += 2
            }
            return StreamEntry(id: id, fields: StreamFields(fields))
        }
    }

    /// The entries of one stream in an `XREAD` reply (`[[stream, entries]]`, or null after a BLOCK timed out).
    public static func entries(ofRead reply: RedisValue, stream: String) -> [StreamEntry] {
        guard let streams = reply.array else { return [] }
        for element in streams {
            guard let pair = element.array, pair.count == 2, pair[0].string == stream else { continue }
            return entries(ofRange: pair[1])
        }
        return []
    }
}
