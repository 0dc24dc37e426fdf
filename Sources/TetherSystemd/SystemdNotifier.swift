internal import CSystemd
import TetherCore
#if canImport(Glibc)
import Glibc
#endif

/// sd_notify(3) through libsystemd. Without `NOTIFY_SOCKET` every call is a silent no-op.
public struct SystemdNotifier: ServiceNotifier {
    public let watchdogPeriod: Duration?

    public init() {
        var usec: UInt64 = 0
        // 0: keep WATCHDOG_USEC/WATCHDOG_PID in the environment; > 0 means the watchdog is on for us.
        if sd_watchdog_enabled(0, &usec) > 0, usec > 0 {
            watchdogPeriod = .microseconds(Int64(clamping: usec))
        } else {
            watchdogPeriod = nil
        }
    }

    public func notify(_ assignments: [String]) {
        guard !assignments.isEmpty else { return }
        // A reload must carry the monotonic time for managers that track Type=notify-reload.
        var lines = assignments
        if assignments.contains(ServiceNotification.reloading) {
            var now = timespec()
            clock_gettime(CLOCK_MONOTONIC, &now)
            lines.append("MONOTONIC_USEC=\(Int64(now.tv_sec) * 1_000_000 + Int64(now.tv_nsec) / 1000)")
        }
        // sd_notify returns the error; there is nobody to tell but the log, and the log may be the
        // journal that is failing too, so a failed notification is dropped on purpose.
        _ = sd_notify(0, lines.joined(separator: "\n"))
    }
}
