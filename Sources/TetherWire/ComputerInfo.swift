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

    public init(name: String, user: String, role: String, host: String?, isLocal: Bool, tmuxBinary: String? = nil) {
        self.name = name
        self.user = user
        self.role = role
        self.host = host
        self.isLocal = isLocal
        self.tmuxBinary = tmuxBinary
    }
}

extension ComputerInfo: WireCodable {
    public enum CodingKeys: String, CodingKey {
        case name, status, user, host, role
        case isLocal = "is_local"
        case tmuxBinary = "tmux_binary"
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

/// Memory, disk and CPU of this computer, as `get_computer_info` reports them:
/// `{"memory":{total_gb, available_gb, percent_used},"disk":{total_gb, free_gb, percent_used},"cpu":{percent_used}}`.
public struct SystemStats: Sendable, Equatable {
    public var memoryTotalGB: Double
    public var memoryAvailableGB: Double
    public var memoryPercentUsed: Double
    public var diskTotalGB: Double
    public var diskFreeGB: Double
    public var diskPercentUsed: Double
    /// Nil until two CPU samples exist.
    public var cpuPercentUsed: Double?

    public init(memoryTotalGB: Double, memoryAvailableGB: Double, memoryPercentUsed: Double,
                diskTotalGB: Double, diskFreeGB: Double, diskPercentUsed: Double, cpuPercentUsed: Double?) {
        self.memoryTotalGB = memoryTotalGB
        self.memoryAvailableGB = memoryAvailableGB
        self.memoryPercentUsed = memoryPercentUsed
        self.diskTotalGB = diskTotalGB
        self.diskFreeGB = diskFreeGB
        self.diskPercentUsed = diskPercentUsed
        self.cpuPercentUsed = cpuPercentUsed
    }
}

extension SystemStats: WireCodable {
    public enum CodingKeys: String, CodingKey { case memory, disk, cpu }
    public enum FigureKeys: String, CodingKey {
        case totalGB = "total_gb", availableGB = "available_gb", freeGB = "free_gb", percentUsed = "percent_used"
    }

    /// Figures are rounded to one decimal: people read them, and the Python daemon sends them so.
    public func write(to json: inout JSONWriter) {
        json.beginObject()
        json.key(CodingKeys.memory)
        json.beginObject()
        json.member(FigureKeys.totalGB, memoryTotalGB.rounded(toPlaces: 1))
        json.member(FigureKeys.availableGB, memoryAvailableGB.rounded(toPlaces: 1))
        json.member(FigureKeys.percentUsed, memoryPercentUsed.rounded(toPlaces: 1))
        json.endObject()
        json.key(CodingKeys.disk)
        json.beginObject()
        json.member(FigureKeys.totalGB, diskTotalGB.rounded(toPlaces: 1))
        json.member(FigureKeys.freeGB, diskFreeGB.rounded(toPlaces: 1))
        json.member(FigureKeys.percentUsed, diskPercentUsed.rounded(toPlaces: 1))
        json.endObject()
        json.key(CodingKeys.cpu)
        json.beginObject()
        json.member(FigureKeys.percentUsed, cpuPercentUsed.map { $0.rounded(toPlaces: 1) })
        json.endObject()
        json.endObject()
    }

    /// A missing figure reads as 0 (a peer that could not measure it), a missing CPU figure as nil.
    public init(from decoder: any Decoder) throws {
        let values = try decoder.container(keyedBy: CodingKeys.self)
        let memory = try? values.nestedContainer(keyedBy: FigureKeys.self, forKey: .memory)
        let disk = try? values.nestedContainer(keyedBy: FigureKeys.self, forKey: .disk)
        let cpu = try? values.nestedContainer(keyedBy: FigureKeys.self, forKey: .cpu)
        func figure(_ container: KeyedDecodingContainer<FigureKeys>?, _ key: FigureKeys) -> Double? {
            (try? container?.decodeIfPresent(Double.self, forKey: key)) ?? nil
        }
        self.init(memoryTotalGB: figure(memory, .totalGB) ?? 0, memoryAvailableGB: figure(memory, .availableGB) ?? 0,
                  memoryPercentUsed: figure(memory, .percentUsed) ?? 0, diskTotalGB: figure(disk, .totalGB) ?? 0,
                  diskFreeGB: figure(disk, .freeGB) ?? 0, diskPercentUsed: figure(disk, .percentUsed) ?? 0,
                  cpuPercentUsed: figure(cpu, .percentUsed))
    }
}

extension Double {
    /// Rounded to `places` decimal places, for figures people read.
    public func rounded(toPlaces places: Int) -> Double {
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        return (self * scale).rounded() / scale
    }
}
