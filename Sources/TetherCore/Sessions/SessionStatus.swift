/// Where a session is in its life. The Python daemon always said `active`; Tether says what is true.
///
/// ```
/// creating ──> active <──> idle
///    │           │          │
///    │           ├──────────┴──> exited   (its process ended, or its tmux session vanished)
///    └───────────┴─────────────> closed   (ended on request; also from exited)
/// ```
/// `exited` and `closed` are final: the tmux session is gone, the poller stopped, the TMPDIR
/// removed; the row stays with its final screen. Only `creating`, `active` and `idle` are listed.
public enum SessionStatus: String, Sendable, CaseIterable, Codable {
    /// The row exists; tmux is being set up.
    case creating
    /// Its screen changed recently.
    case active
    /// Its screen has not changed for ``SessionStatus/idleAfter``.
    case idle
    /// Its process ended or its tmux session vanished; the final screen is kept.
    case exited
    /// Ended on request.
    case closed

    /// How long a screen must stay unchanged before its session counts as idle.
    public static let idleAfter: Duration = .seconds(60)

    /// Whether the session still has (or is getting) a terminal.
    public var isLive: Bool { self == .creating || self == .active || self == .idle }

    /// The statuses a session can move to from this one.
    public var successors: Set<SessionStatus> {
        switch self {
        case .creating: [.active, .idle, .exited, .closed]
        case .active: [.idle, .exited, .closed]
        case .idle: [.active, .exited, .closed]
        case .exited: [.closed]
        case .closed: []
        }
    }

    public func canMove(to next: SessionStatus) -> Bool { next == self || successors.contains(next) }
}
