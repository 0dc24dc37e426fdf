/// Tells the service manager how the daemon is doing (sd_notify in production).
public protocol ServiceNotifier: Sendable {
    /// Sends assignments such as `READY=1` or `STATUS=...` in one message; does nothing without a manager.
    func notify(_ assignments: [String])
    /// The watchdog period the manager asked for, if any.
    var watchdogPeriod: Duration? { get }
}

/// The assignments the daemon sends, named once.
public enum ServiceNotification {
    public static let ready = "READY=1"
    public static let reloading = "RELOADING=1"
    public static let stopping = "STOPPING=1"
    public static let watchdog = "WATCHDOG=1"
    public static func status(_ text: String) -> String { "STATUS=\(text)" }
    public static func errno(_ code: Int32) -> String { "ERRNO=\(code)" }
}

/// A notifier for when no service manager is there.
public struct SilentNotifier: ServiceNotifier {
    public init() {}
    public func notify(_ assignments: [String]) {}
    public var watchdogPeriod: Duration? { nil }
}
