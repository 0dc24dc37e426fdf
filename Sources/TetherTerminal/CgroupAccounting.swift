import Foundation

/// CPU time and memory of a session's scope, read from `/proc` and `/sys/fs/cgroup` without
/// starting a process: the memory the cgroup charges (`memory.current` on cgroup v2,
/// `memory.usage_in_bytes` on v1, what systemd shows as `MemoryCurrent`) and the CPU time of every
/// process in it, with the children they reaped.
public enum CgroupAccounting {
    public struct Usage: Sendable, Equatable {
        public var cpuSeconds: Double
        public var memoryBytes: Int?
    }

    /// The usage of the cgroup named `unit` that holds `pid`; nil when `pid` is not in such a cgroup.
    public static func usage(pid: Int, unit: String, root: String = "/sys/fs/cgroup") -> Usage? {
        guard let table = try? String(contentsOfFile: "/proc/\(pid)/cgroup", encoding: .utf8) else { return nil }
        var unified: String?, memoryV1: String?, procsV1: String?
        for line in table.split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3, fields[2].hasSuffix("/" + unit) else { continue }
            let path = String(fields[2])
            if fields[0] == "0" { unified = path }
            if fields[1].split(separator: ",").contains("memory") { memoryV1 = path }
            if fields[1] == "name=systemd" || fields[1] == "pids" { procsV1 = procsV1 ?? (fields[1] == "pids" ? "pids" : "systemd") + path }
        }
        let memory: Int?
        let procs: String?
        if let memoryV1 {
            memory = number(root + "/memory" + memoryV1 + "/memory.usage_in_bytes")
            procs = procsV1.map { root + "/" + $0 + "/cgroup.procs" }
        } else if let unified {
            memory = number(root + unified + "/memory.current")
            procs = root + unified + "/cgroup.procs"
        } else {
            return nil
        }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        var cpu = 0.0
        if let procs, let list = try? String(contentsOfFile: procs, encoding: .utf8) {
            for member in list.split(separator: "\n") {
                guard let stat = try? String(contentsOfFile: "/proc/\(member)/stat", encoding: .utf8),
                      let close = stat.lastIndex(of: ")") else { continue }
                let fields = stat[stat.index(close, offsetBy: 2)...].split(separator: " ")
                // utime, stime, cutime, cstime: fields 14 to 17, here 11 to 14.
                guard fields.count > 14 else { continue }
                cpu += fields[11...14].compactMap { Double($0) }.reduce(0, +) / ticks
            }
        }
        return Usage(cpuSeconds: cpu, memoryBytes: memory)
    }

    private static func number(_ path: String) -> Int? {
        (try? String(contentsOfFile: path, encoding: .utf8)).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }
}
