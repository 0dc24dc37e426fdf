/// A computer as peers and clients see it; written as one entry of `GET /computers`
/// (`{name, status, user, host, role, is_local, tmux_binary}`).
public struct ComputerInfo: Sendable, Equatable {
    public var name: String
    public var user: String
    public var role: String
    /// Nil when unknown; the Python daemon failed on a null host (PROTOCOL.md §9.8), Tether answers null.
    public var host: String?
    public var isLocal: Bool
    /// `computer.tmux_binary`, reported for the local computer only.
    public var tmuxBinary: String?
    /// Memory, disk and CPU as the computer last reported them (`get_computer_info`); nil when unknown.
    public var systemStats: SystemStats?

    public init(name: String, user: String, role: String, host: String?, isLocal: Bool, tmuxBinary: String? = nil,
                systemStats: SystemStats? = nil) {
        self.name = name
        self.user = user
        self.role = role
        self.host = host
        self.isLocal = isLocal
        self.tmuxBinary = tmuxBinary
        self.systemStats = systemStats
    }
}

extension ComputerInfo: WireCodable {
    public enum CodingKeys: String, CodingKey {
        case name, status, user, host, role
        case isLocal = "is_local"
        case tmuxBinary = "tmux_binary"
        case systemStats = "system_stats"
    }

    /// Every computer listed is online: a peer whose heartbeat expired is not listed at all.
    public static let onlineStatus = "online"

    public func write(to json: inout JSONWriter) {
        json.beginObject()
        json.member(CodingKeys.name, name)
        json.member(CodingKeys.status, Self.onlineStatus)
        json.member(CodingKeys.user, user)
        json.member(CodingKeys.host, host)
        json.member(CodingKeys.role, role)
        json.member(CodingKeys.isLocal, isLocal)
        if let tmuxBinary { json.member(CodingKeys.tmuxBinary, tmuxBinary) }
        if let systemStats { json.member(CodingKeys.systemStats, systemStats) }
        json.endObject()
    }

    /// Lenient, as a peer's (or an older daemon's) entry may lack Tether's keys.
    public init(from decoder: any Decoder) throws {
        let values = try decoder.container(keyedBy: CodingKeys.self)
        name = try values.decode(String.self, forKey: .name)
        user = try values.decodeIfPresent(String.self, forKey: .user) ?? ""
        role = try values.decodeIfPresent(String.self, forKey: .role) ?? ""
        host = try values.decodeIfPresent(String.self, forKey: .host)
        isLocal = try values.decodeIfPresent(Bool.self, forKey: .isLocal) ?? false
        tmuxBinary = try values.decodeIfPresent(String.self, forKey: .tmuxBinary)
        systemStats = try? values.decodeIfPresent(SystemStats.self, forKey: .systemStats)
    }
}

/// `get_computer_info`'s reply data (PROTOCOL.md §3): `{user, role, host, system_stats}`.
public struct ComputerReport: Sendable, Equatable {
    public var user: String
    public var role: String
    public var host: String?
    public var systemStats: SystemStats

    public init(_ info: ComputerInfo, stats: SystemStats) {
        self.init(user: info.user, role: info.role, host: info.host, systemStats: stats)
    }

    public init(user: String, role: String, host: String?, systemStats: SystemStats) {
        self.user = user
        self.role = role
        self.host = host
        self.systemStats = systemStats
    }
}

extension ComputerReport: WireCodable {
    public enum CodingKeys: String, CodingKey {
        case user, role, host
        case systemStats = "system_stats"
    }

    public func write(to json: inout JSONWriter) {
        json.beginObject()
        json.member(CodingKeys.user, user)
        json.member(CodingKeys.role, role)
        json.member(CodingKeys.host, host)
        json.member(CodingKeys.systemStats, systemStats)
        json.endObject()
    }
}
