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
