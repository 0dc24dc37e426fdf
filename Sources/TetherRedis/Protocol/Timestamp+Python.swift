import TetherCore

/// The two time forms of the Python wire (PROTOCOL.md conventions).
extension Timestamp {
    /// UTC `isoformat()`: `2026-01-11T21:51:41.123456+00:00`, the fraction omitted when zero.
    public var pythonISOFormat: String {
        let full = iso8601
        guard microseconds % 1_000_000 == 0 else { return full }
        // `iso8601` always writes `.ffffff` before `+00:00`; a whole second drops it.
        return String(full.dropLast(13)) + "+00:00"
    }

    /// `str(time.time())`: seconds since the epoch as Python's shortest round-trip `repr` of a float.
    public var pythonEpochText: String { String(secondsSince1970) }
}
