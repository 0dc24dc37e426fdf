import Foundation

/// Resource limits applied to every new session's systemd scope; nil is unlimited. Values are in
/// systemd's syntax and are validated when the configuration is read, so systemd never rejects one
/// at session start.
public struct SessionLimits: Sendable, Equatable {
    /// `MemoryMax=`: bytes with an optional K, M, G or T suffix (base 1024), a percentage, or `infinity`.
    public var memoryMax: String?
    /// `CPUQuota=`: a percentage of one CPU, `50%` or `200%`.
    public var cpuQuota: String?
    /// `TasksMax=`: a count, a percentage, or `infinity`.
    public var tasksMax: String?

    public init(memoryMax: String? = nil, cpuQuota: String? = nil, tasksMax: String? = nil) {
        self.memoryMax = memoryMax
        self.cpuQuota = cpuQuota
        self.tasksMax = tasksMax
    }

    /// The unit properties, as `systemd-run -p` takes them.
    public var properties: [String] {
        [memoryMax.map { "MemoryMax=\($0)" }, cpuQuota.map { "CPUQuota=\($0)" }, tasksMax.map { "TasksMax=\($0)" }].compactMap { $0 }
    }

    /// `64M`, `1G`, `1073741824`, `50%`, `infinity`; nil when systemd would refuse it.
    public static func bytes(_ text: String) -> String? {
        let value = text.trimmingCharacters(in: .whitespaces)
        if value == "infinity" || percentage(value, upTo: 100) != nil { return value }
        var digits = Substring(value)
        if let last = digits.last, "KMGTkmgt".contains(last) { digits = digits.dropLast() }
        guard !digits.isEmpty, digits.allSatisfy(\.isASCIIDigit), let number = UInt64(digits), number > 0 else { return nil }
        return value.uppercased()
    }

    /// `50%`, `200%`: a percentage of one CPU, above 0.
    public static func quota(_ text: String) -> String? {
        percentage(text.trimmingCharacters(in: .whitespaces), upTo: 100_000)
    }

    /// `100`, `10%`, `infinity`.
    public static func tasks(_ text: String) -> String? {
        let value = text.trimmingCharacters(in: .whitespaces)
        if value == "infinity" || percentage(value, upTo: 100) != nil { return value }
        guard let number = UInt64(value), number > 0 else { return nil }
        return value
    }

    private static func percentage(_ value: String, upTo maximum: Double) -> String? {
        guard value.hasSuffix("%"), let number = Double(value.dropLast()), number > 0, number <= maximum else { return nil }
        return value
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
