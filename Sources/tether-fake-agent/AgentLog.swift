import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The fake's two records for tests: every byte read (`--log`), one line per read, and every event
/// (`--events`, else the same file), one JSON object per line.
///
/// Byte lines: `<ISO-8601 time> read <count> <escaped bytes>`, printable ASCII as is, `\\`, `\r`, `\n`,
/// `\t`, `\e` and `\xHH` for the rest. Event lines start with `{` and carry `"time"` plus one key naming
/// the event: `start`, `submit`, `answer`, `interrupt`, `enter_ignored`, `hook`, `turn_end`, `exit`.
final class AgentLog {
    private let bytes: FileHandle?
    private let events: FileHandle?
    private let formatter = ISO8601DateFormatter()

    init(bytesPath: String?, eventsPath: String?) {
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        bytes = bytesPath.flatMap(Self.open)
        events = eventsPath.flatMap(Self.open) ?? bytes
    }

    /// Opened for appending: each line goes in with one write, so two handles never overwrite each other.
    private static func open(_ path: String) -> FileHandle? {
        let descriptor = Glibc.open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        return descriptor < 0 ? nil : FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
    }

    func read(_ data: [UInt8]) {
        bytes?.write(Data("\(formatter.string(from: Date())) read \(data.count) \(Self.escaped(data))\n".utf8))
    }

    /// Writes `{"time": …, key: value, …}` as one line (keys sorted, so lines are stable to compare).
    func event(_ fields: [String: Any]) {
        var object = fields
        object["time"] = formatter.string(from: Date())
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
        events?.write(data + Data("\n".utf8))
    }

    static func escaped(_ data: [UInt8]) -> String {
        var text = ""
        for byte in data {
            switch byte {
            case UInt8(ascii: "\\"): text += "\\\\"
            case 0x0D: text += "\\r"
            case 0x0A: text += "\\n"
            case 0x09: text += "\\t"
            case 0x1B: text += "\\e"
            case 0x20..<0x7F: text.append(Character(Unicode.Scalar(byte)))
            default: text += "\\x" + String(byte, radix: 16).leftPadded(2)
            }
        }
        return text
    }
}

private extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
