import Logging
#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Writes one readable line per entry to stderr: time, level, label, message and `key=value` metadata.
///
/// Used when stderr is not the journal (a terminal, `make run`, a test harness).
public struct LineLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let control: LogLevelControl
    private var levelOverride: Logger.Level?

    public init(label: String, control: LogLevelControl) {
        self.label = label
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
        let merged = mergedMetadata(event)
        var line = "\(Self.timestamp()) \(event.level) \(label): \(Self.escape(event.message.description))"
        for key in merged.keys.sorted() {
            line += " \(key)=\(Self.escape(merged[key]!.description))"
        }
        line += "\n"
        line.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(STDERR_FILENO, bytes.baseAddress! + offset, bytes.count - offset)
                if written <= 0 { if written < 0 && errno == EINTR { continue } else { return } }
                offset += written
            }
        }
    }

    private static func escape(_ text: String) -> String {
        guard text.contains(where: { $0 == "\n" || $0 == "\r" }) else { return text }
        return text.replacingOccurrences(of: "\r", with: "\\r").replacingOccurrences(of: "\n", with: "\\n")
    }

    private static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
            Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
            Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), now.tv_nsec / 1_000_000
        )
    }
}
