/// A computer as peers and clients see it.
public struct ComputerInfo: Sendable, Equatable {
    public var name: String
    public var user: String
    public var role: String
    /// Nil when unknown; the Python daemon failed on a null host (PROTOCOL.md §9.8), Tether answers null.
    public var host: String?
    public var isLocal: Bool

    public init(name: String, user: String, role: String, host: String?, isLocal: Bool) {
        self.name = name
        self.user = user
        self.role = role
        self.host = host
        self.isLocal = isLocal
    }
}

/// A project directory offered to clients (a trusted dir).
public struct Project: Sendable, Equatable {
    public var name: String
    public var description: String
    public var path: String

    public init(name: String, description: String, path: String) {
        self.name = name
        self.description = description
        self.path = path
    }
}

/// Memory, disk and CPU of this computer, as `get_computer_info` reports them.
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

    /// `{"memory":{...},"disk":{...},"cpu":{...}}` as PROTOCOL.md §3 shows it.
    public func write(to json: inout JSONWriter) {
        json.beginObject()
        json.key("memory"); json.beginObject()
        json.member("total_gb", memoryTotalGB.rounded(toPlaces: 1))
        json.member("available_gb", memoryAvailableGB.rounded(toPlaces: 1))
        json.member("percent_used", memoryPercentUsed.rounded(toPlaces: 1))
        json.endObject()
        json.key("disk"); json.beginObject()
        json.member("total_gb", diskTotalGB.rounded(toPlaces: 1))
        json.member("free_gb", diskFreeGB.rounded(toPlaces: 1))
        json.member("percent_used", diskPercentUsed.rounded(toPlaces: 1))
        json.endObject()
        json.key("cpu"); json.beginObject()
        json.member("percent_used", cpuPercentUsed.map { $0.rounded(toPlaces: 1) })
        json.endObject()
        json.endObject()
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
