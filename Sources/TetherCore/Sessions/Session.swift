import Synchronization

/// One version of a session: an immutable value whose wire JSON is encoded at most once.
///
/// A change makes a new version (``updating(_:)``) with its own, not yet encoded, JSON; every
/// reader of one version (API, Redis, WebSocket, cache) shares the same bytes.
///
/// Versions of a local session are ordered by ``version``. A peer's session is ordered by
/// ``hostStamp`` instead, because its local version counts only the updates this daemon happened to
/// receive: see ``init(remote:hostStamp:)`` and ``SessionOrdering``.
public struct Session: Sendable, Identifiable {
    public let record: SessionRecord
    /// Grows by one with each change; a reader can tell two versions apart without comparing fields.
    public let version: UInt64
    /// For a session hosted by a peer: the host's wall-clock time when it described this version.
    /// Nil for a local session.
    public let hostStamp: Timestamp?
    private let encoded: EncodedSummary

    public init(_ record: SessionRecord, version: UInt64 = 1) {
        self.init(record, version: version, hostStamp: nil)
    }

    /// A session as its host (a peer) described it at `hostStamp`.
    ///
    /// Pass the stamp the host wrote with the description: the `timestamp` of its `session_events`
    /// payload (PROTOCOL.md §4), or the `timestamp` field of the `output:{id}` entry that carried a
    /// `list_sessions` reply (§2). Only when the host sent neither (or one that does not parse) is the
    /// summary's `last_activity` used, which is older than any stamp the host could have written for
    /// that description, so such a version never overrides one with a real stamp from the same time.
    public init(remote record: SessionRecord, hostStamp: Timestamp?) {
        self.init(record, version: 1, hostStamp: hostStamp ?? record.lastActivity)
    }

    private init(_ record: SessionRecord, version: UInt64, hostStamp: Timestamp?) {
        self.record = record
        self.version = version
        self.hostStamp = hostStamp
        self.encoded = EncodedSummary()
    }

    public var id: String { record.sessionID }
    public var status: SessionStatus { record.status }
    public var computer: String { record.computerName }

    /// The next version, with `change` applied.
    public func updating(_ change: (inout SessionRecord) -> Void) -> Session {
        var copy = record
        change(&copy)
        return Session(copy, version: version + 1, hostStamp: hostStamp)
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
