import TetherCore

/// What the API serves from, wired by the daemon: the command layer, the cache and read-only views
/// of the daemon's state. The API links nothing else of the daemon.
public struct APIEnvironment: Sendable {
    public var commands: any SessionCommands
    public var cache: SessionCache
    public var bus: EventBus
    public var registry: TaskRegistry
    /// This computer's name, as sessions and peers carry it.
    public var computer: String
    /// `computer.tmux_binary`, reported by `GET /computers`.
    public var tmuxBinary: @Sendable () -> String
    /// The configured agents: name to command.
    public var agents: @Sendable () -> [String: String]
    /// `GET /status`, filled by the daemon at each request.
    public var status: @Sendable () -> StatusReport
    /// The numbers behind `GET /metrics`.
    public var sample: @Sendable () -> DaemonSample
    /// What the WebSocket clients subscribe to; the API reports into it, the daemon owns it.
    public var interest: SubscriptionInterest
    /// The other computers on Redis; nil when `redis.enabled` is off (this computer alone).
    public var peers: (any PeerGateway)?

    public init(commands: any SessionCommands, cache: SessionCache, bus: EventBus, registry: TaskRegistry, computer: String,
                tmuxBinary: @escaping @Sendable () -> String, agents: @escaping @Sendable () -> [String: String],
                status: @escaping @Sendable () -> StatusReport, sample: @escaping @Sendable () -> DaemonSample,
                interest: SubscriptionInterest, peers: (any PeerGateway)? = nil) {
        self.commands = commands
        self.cache = cache
        self.bus = bus
        self.registry = registry
        self.computer = computer
        self.tmuxBinary = tmuxBinary
        self.agents = agents
        self.status = status
        self.sample = sample
        self.interest = interest
        self.peers = peers
    }
}
