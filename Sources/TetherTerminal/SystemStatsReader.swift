import Foundation
import Synchronization
import TetherCore

/// Memory, disk and CPU without blocking: memory from `/proc/meminfo`, disk from `statvfs` (on a
/// worker thread, under a deadline, since a hung mount can block it), CPU from the change in
/// `/proc/stat` between this sample and the previous one. Nothing sleeps to measure.
public final class SystemStatsReader: Sendable {
    /// How long a disk query may take: `statvfs` answers in microseconds on a healthy file system,
    /// so two seconds means a hung mount, and the status report goes out without disk figures.
    public static let diskTimeout: Duration = .seconds(2)

    private struct CPUSample: Sendable { let busy: UInt64; let total: UInt64 }

    private let previous = Mutex<CPUSample?>(nil)
    private let diskPath: String
    private let procRoot: String
    private let worker = BlockingWorker(name: "tether-stats")
    private let time: TimeSource

    /// `diskPath` is the file system reported (the state directory's); `procRoot` is `/proc` except in tests.
    public init(diskPath: String, time: TimeSource, procRoot: String = "/proc") {
        self.diskPath = diskPath
        self.procRoot = procRoot
        self.time = time
        _ = cpuPercent()  // the first sample, so the first report already has a delta
    }

    public func stop() async { await worker.stop() }

    public func sample() async -> SystemStats {
        let memory = Self.memory(procRoot)
        let disk: (total: Double, free: Double)
        do {
            disk = try await withDeadline(Self.diskTimeout, on: time, "statvfs(\(diskPath))") { [worker, diskPath] in
                try await worker.run { Self.disk(diskPath) }
            }
        } catch {
            disk = (0, 0)
        }
        let gib = 1024.0 * 1024 * 1024
        return SystemStats(
            memoryTotalGB: memory.total / gib,
            memoryAvailableGB: memory.available / gib,
            memoryPercentUsed: memory.total > 0 ? (memory.total - memory.available) / memory.total * 100 : 0,
            diskTotalGB: disk.total / gib,
            diskFreeGB: disk.free / gib,
            diskPercentUsed: disk.total > 0 ? (disk.total - disk.free) / disk.total * 100 : 0,
            cpuPercentUsed: cpuPercent()
        )
    }

    /// Percentage of CPU time not idle since the previous call; nil on the first call or without /proc.
    public func cpuPercent() -> Double? {
        guard let current = Self.cpu(procRoot) else { return nil }
        let last = previous.withLock { previous -> CPUSample? in
            defer { previous = current }
            return previous
        }
        guard let last, current.total > last.total else { return nil }
        return Double(current.busy &- last.busy) / Double(current.total - last.total) * 100
    }

    private static func cpu(_ root: String) -> CPUSample? {
        guard let text = try? String(contentsOfFile: root + "/stat", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("cpu ") }) else { return nil }
        let values = line.split(separator: " ").dropFirst().compactMap { UInt64($0) }
        guard values.count >= 4 else { return nil }
        let total = values.reduce(0, &+)
        // idle + iowait are not busy.
        let idle = values[3] &+ (values.count > 4 ? values[4] : 0)
        return CPUSample(busy: total &- idle, total: total)
    }

    private static func memory(_ root: String) -> (total: Double, available: Double) {
        guard let text = try? String(contentsOfFile: root + "/meminfo", encoding: .utf8) else { return (0, 0) }
        var total = 0.0, available = 0.0
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 2, let kib = Double(fields[1]) else { continue }
            if fields[0] == "MemTotal:" { total = kib * 1024 }
            if fields[0] == "MemAvailable:" { available = kib * 1024 }
        }
        return (total, available)
    }

    private static func disk(_ path: String) -> (total: Double, free: Double) {
        var stats = statvfs()
        guard statvfs(path, &stats) == 0 else { return (0, 0) }
        let block = Double(stats.f_frsize)
        return (Double(stats.f_blocks) * block, Double(stats.f_bavail) * block)
    }
}
