import Foundation
import TetherCore

/// The `messages` text of `get_session_data` as the baseline writes it: a `# title` line, then a
/// `## <time> · 👤 User` or `## <time> · 🤖 Assistant` section per turn of speaker (a user message
/// always opens one), the time of day in UTC, with the date when it is not today's; cut to the last
/// `tailChars` characters behind a `[...truncated, showing last N chars...]` line, starting at a
/// section header when one is near the cut.
enum AgentTranscriptRenderer {
    /// How far into a cut text a section header is looked for, so a cut starts at a header rather
    /// than mid-message when that loses little (the baseline's distance).
    static let headerSearchCharacters = 500

    static func render(title: String, messages: [AgentTranscriptMessage], tailChars: Int, now: Timestamp) -> String {
        var lines = ["# \(title)", ""]
        var section: AgentTranscriptMessage.Role?
        for message in messages {
            if message.role == .user || section != .assistant {
                let label = message.role == .user ? "👤 User" : "🤖 Assistant"
                lines += ["", "## \(message.timestamp.map { timePrefix($0, now: now) } ?? "")\(label)", ""]
            }
            lines.append(message.text)
            section = message.role
        }
        return cut(lines.joined(separator: "\n"), tailChars: tailChars)
    }

    /// `HH:MM:SS · ` for today (UTC), else `YYYY-MM-DD HH:MM:SS · `.
    static func timePrefix(_ stamp: Timestamp, now: Timestamp) -> String {
        let text = Array(stamp.iso8601)
        let date = String(text[0..<10]), time = String(text[11..<19])
        return date == String(now.iso8601.prefix(10)) ? "\(time) · " : "\(date) \(time) · "
    }

    static func cut(_ text: String, tailChars: Int) -> String {
        guard tailChars > 0, text.count > tailChars else { return text }
        var tail = Substring(text.suffix(tailChars))
        if let header = tail.range(of: "\n## "),
           tail.distance(from: tail.startIndex, to: header.lowerBound) < headerSearchCharacters {
            tail = tail[tail.index(after: header.lowerBound)...]
        }
        return "[...truncated, showing last \(tailChars) chars...]\n\n\(tail)"
    }
}
