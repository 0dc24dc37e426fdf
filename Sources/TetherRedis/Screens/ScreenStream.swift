import TetherCore

/// Tether's own stream of a session's live screen, `tether:screen:{session_id}`: the host writes it
/// only while a peer holds a `watch_screen` lease, and watchers read it from the last id they saw.
///
/// Never `output:{session_id}`: a Python host types whatever is written there into the session
/// (PROTOCOL.md §2, "dormant"). Entries: `screen` (the visible screen), `timestamp`
/// (`str(time.time())`) and `status`: `active` for a screen; a final status (`exited`, `closed`)
/// marks the session's end, after which nothing more is written. The stream is trimmed with
/// `MAXLEN ~` and expires ``timeToLive`` after its last write, so an abandoned one goes away.
public enum ScreenStream {
    /// The stream of session `sessionID`.
    public static func key(_ sessionID: String) -> String { "tether:screen:\(sessionID)" }

    /// `MAXLEN ~` per write: a watcher needs only the newest screen (it starts from `XREVRANGE …
    /// COUNT 1`), a few more cover a watcher that reconnects; Redis trims whole nodes, so a little more stays.
    public static let maximumLength = 8
    /// `EXPIRE` after every write: past the longest lease, so a stream outlives a watcher's pause
    /// between renewals, and an abandoned one is gone within minutes.
    public static let timeToLive: Duration = .seconds(600)

    /// The lease a `watch_screen` without an argument gets: the watcher renews it every half lease,
    /// so one lost renewal does not end the watch, and a watcher that vanished costs at most this long.
    public static let defaultLease: Duration = .seconds(30)
    /// The longest lease granted (a longer request is cut to it): bounds how long a vanished watcher
    /// keeps the host writing.
    public static let maximumLease: Duration = .seconds(300)
    /// The shortest lease a watcher plans with, whatever a host grants: renewing every half second
    /// is already far more often than any host needs.
    public static let minimumLease: Duration = .seconds(1)
    /// Leases held at once (one per session and watching computer): far beyond the remote tails a
    /// team runs, small enough that a peer flooding `watch_screen` cannot grow the host's memory.
    public static let maximumLeases = 1024
    /// Watching computers per session: more than any team has, few enough that watchers named by a
    /// flood of forged `initiator`s cannot take every lease of the host.
    public static let maximumWatchersPerSession = 16
    /// The `status` of a screen entry.
    public static let liveStatus = "active"
}

/// One entry of a ``ScreenStream``: a screen, or the session's end.
public enum ScreenEntry: Sendable, Equatable {
    case screen(String)
    /// The session ended with `status` (`exited`, `closed`); `screen` is its last screen when known.
    case ended(status: String, screen: String?)

    /// The bound on a `screen` field read: a screen is rows × columns, far below this.
    public static let maximumScreenBytes = 4 << 20

    /// `screen`, `timestamp`, `status`, as written with `XADD`.
    public func fields(at time: Timestamp) -> [(field: String, value: [UInt8])] {
        switch self {
        case .screen(let screen):
            [(field: "screen", value: Array(screen.utf8))]
                + StreamFields.ordered([("timestamp", time.pythonEpochText), ("status", ScreenStream.liveStatus)])
        case .ended(let status, let screen):
            [(field: "screen", value: Array((screen ?? "").utf8))]
                + StreamFields.ordered([("timestamp", time.pythonEpochText), ("status", status)])
        }
    }

    /// Reads an entry: a live `status` is a screen (an empty one when `screen` is empty), any other the end.
    public init(fields: StreamFields) throws(RedisProtocolError) {
        let status = try fields.requiredText("status", kind: "screen")
        let screen = try fields.text("screen", limit: Self.maximumScreenBytes)
        if let live = SessionStatus(rawValue: status), live.isLive {
            self = .screen(screen ?? "")
        } else {
            self = .ended(status: status, screen: screen)
        }
    }
}
