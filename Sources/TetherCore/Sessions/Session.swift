import Synchronization

/// One version of a session: an immutable value whose wire JSON is encoded at most once.
///
/// A change makes a new version (``updating(_:)``) with its own, not yet encoded, JSON; every
/// reader of one version (API, Redis, WebSocket, cache) shares the same bytes.
public struct Session: Sendable, Identifiable {
    public let record: SessionRecord
    /// Grows by one with each change; a reader can tell two versions apart without comparing fields.
    public let version: UInt64
    private let encoded: EncodedSummary

    public init(_ record: SessionRecord, version: UInt64 = 1) {
        self.record = record
        self.version = version
        self.encoded = EncodedSummary()
    }

    public var id: String { record.sessionID }
    public var status: SessionStatus { record.status }
    public var computer: String { record.computerName }

    /// The next version, with `change` applied.
    public func updating(_ change: (inout SessionRecord) -> Void) -> Session {
        var copy = record
        change(&copy)
        return Session(copy, version: version + 1)
    }

    /// The session summary (PROTOCOL.md §7) as UTF-8 JSON; encoded on first use, then shared.
    public var summaryJSON: [UInt8] {
        encoded.bytes { Session.encodeSummary(record) }
    }

    /// Encodes the summary afresh, ignoring the cached bytes (for comparison and benchmarks).
    public static func encodeSummary(_ record: SessionRecord) -> [UInt8] {
        var json = JSONWriter(reservingCapacity: 512)
        SessionSummary(record).write(to: &json)
        return json.bytes
    }
}

/// The lazily filled JSON of one session version.
private final class EncodedSummary: Sendable {
    private let cache = Mutex<[UInt8]?>(nil)

    func bytes(_ encode: () -> [UInt8]) -> [UInt8] {
        if let ready = cache.withLock({ $0 }) { return ready }
        let fresh = encode()
        return cache.withLock { cached in
            if let cached { return cached }
            cached = fresh
            return fresh
        }
    }
}
