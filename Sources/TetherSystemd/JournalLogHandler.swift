internal import CSystemd
import Logging
import TetherCore
#if canImport(Glibc)
import Glibc
#endif

/// Writes native journal entries through `sd_journal_sendv`.
///
/// Every entry carries `MESSAGE`, `PRIORITY`, `SYSLOG_IDENTIFIER`, `CODE_FILE`, `CODE_LINE`,
/// `CODE_FUNC`, and each metadata key as an upper-case field (`task.name` becomes `TASK_NAME`), so
/// `journalctl -u tetherd TASK_NAME=output-poller` finds what one task logged.
public struct JournalLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let identifier: String
    private let label: String
    private let control: LogLevelControl
    private var levelOverride: Logger.Level?

    public init(label: String, identifier: String = "tetherd", control: LogLevelControl) {
        self.label = label
        self.identifier = identifier
        self.control = control
    }

    public var logLevel: Logger.Level {
        get { levelOverride ?? control.current }
        set { levelOverride = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields: [String] = [
            "MESSAGE=\(event.message)",
            "PRIORITY=\(Self.priority(event.level))",
            "SYSLOG_IDENTIFIER=\(identifier)",
            "CODE_FILE=\(event.file)",
            "CODE_LINE=\(event.line)",
            "CODE_FUNC=\(event.function)",
            "LOGGER_LABEL=\(label)",
        ]
        let merged = mergedMetadata(event)
        for (key, value) in merged {
            guard let field = Self.fieldName(key) else { continue }
            fields.append("\(field)=\(value)")
        }
        Self.send(fields)
    }

    /// syslog(3) priorities: journalctl -p filters on these.
    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    /// A journal field name: upper-case letters, digits and `_`, starting with a letter, at most 64 bytes.
    /// Returns nil for keys that would be empty or collide with the fields set above.
    public static func fieldName(_ key: String) -> String? {
        var name = ""
        for scalar in key.unicodeScalars {
            switch scalar {
            case "a"..."z": name.unicodeScalars.append(Unicode.Scalar(scalar.value - 32)!)
            case "A"..."Z", "0"..."9": name.unicodeScalars.append(scalar)
            default: name.append("_")
            }
        }
        while let first = name.first, !first.isLetter { name.removeFirst() }
        name = String(name.prefix(64))
        let reserved: Set<String> = [
            "MESSAGE", "PRIORITY", "SYSLOG_IDENTIFIER", "CODE_FILE", "CODE_LINE", "CODE_FUNC", "LOGGER_LABEL",
        ]
        return name.isEmpty || reserved.contains(name) ? nil : name
    }

    private static func send(_ fields: [String]) {
        // One buffer for all fields, so every iovec points into memory that lives for the whole call.
        // sd_journal_sendv takes binary-safe fields, so values may hold newlines.
        var bytes = [UInt8]()
        var ranges = [Range<Int>]()
        for field in fields {
            let start = bytes.count
            bytes.append(contentsOf: field.utf8)
            ranges.append(start..<bytes.count)
        }
        bytes.withUnsafeMutableBytes { buffer in
            let vectors = ranges.map { iovec(iov_base: buffer.baseAddress! + $0.lowerBound, iov_len: $0.count) }
            _ = sd_journal_sendv(vectors, Int32(vectors.count))
        }
    }
}

/// Where log lines should go: the journal when stderr is connected to it.
public enum JournalStream {
    /// True when `JOURNAL_STREAM` names the device and inode of stderr (systemd.exec(5)).
    public static func isStderrTheJournal() -> Bool {
        guard let raw = getenv("JOURNAL_STREAM") else { return false }
        let parts = String(cString: raw).split(separator: ":")
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return false }
        var info = stat()
        guard fstat(STDERR_FILENO, &info) == 0 else { return false }
        return UInt64(info.st_dev) == device && UInt64(info.st_ino) == inode
    }
}
