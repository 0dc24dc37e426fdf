import Synchronization

/// The peers service as `/status` shows it.
public struct RedisPeersStatus: Sendable, Equatable {
    /// Where the service stands.
    public enum State: String, Sendable {
        /// No round has finished yet.
        case starting
        /// The last round reached Redis: this computer is visible and its peers are known.
        case connected
        /// Redis cannot be reached; the daemon serves its own computer and keeps retrying.
        case degraded
    }

    /// Connected, degraded, or not yet known.
    public var state: State
    /// Why the last round failed, while degraded; never a secret.
    public var lastError: String?
    /// Online peers now.
    public var peers: Int

    /// A status as the service reports it.
    public init(state: State, lastError: String? = nil, peers: Int) {
        self.state = state
        self.lastError = lastError
        self.peers = peers
    }
}

/// The service's state between rounds, shared with readers of ``RedisPeersService/status``.
final class PeersHealth: Sendable {
    private let state = Mutex<(state: RedisPeersStatus.State, lastError: String?)>((.starting, nil))

    var current: (state: RedisPeersStatus.State, lastError: String?) { state.withLock { $0 } }

    /// Records a round's outcome; true when the state changed (log it once).
    func record(_ new: RedisPeersStatus.State, error: String? = nil) -> Bool {
        state.withLock { current in
            defer { current = (new, error) }
            return current.state != new
        }
    }
}
