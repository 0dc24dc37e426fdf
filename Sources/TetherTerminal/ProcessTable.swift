import Foundation

/// What `/proc` says about processes that are not ours to wait for.
enum ProcessTable {
    /// The exit status of `pid` if it is a zombie: the code, or 128 + the signal that ended it.
    /// Reads the `exit_code` field of `/proc/PID/stat` (Linux 3.5 and later); nil otherwise.
    static func exitStatus(ofZombie pid: Int) -> Int? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        // Fields after the command name start at field 3 (state); exit_code is field 52.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count >= 50, fields[0] == "Z", let raw = Int(fields[49].trimmingCharacters(in: .whitespacesAndNewlines)) else { return nil }
        return raw & 0x7f == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f)
    }
}
