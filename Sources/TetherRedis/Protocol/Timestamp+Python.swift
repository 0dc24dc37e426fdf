import TetherCore

/// The epoch form of the Python wire (PROTOCOL.md conventions); the ISO form is `Timestamp.iso8601`.
extension Timestamp {
    /// `str(time.time())`: seconds since the epoch as Python's shortest round-trip `repr` of a float.
    public var pythonEpochText: String { String(secondsSince1970) }
}
