import TetherCore
import TetherTerminal

/// What a session shows: its screen now, and its transcript (the agent's own transcript file when
/// its hooks gave one that reads as a transcript, else the screen with its history, or the final
/// screen of an ended session).
struct TranscriptReader: Sendable {
    let lookup: SessionLookup
    let bridge: TerminalBridge
    let agentTranscripts: AgentTranscriptReader
    let settings: LiveConfiguration

    /// The screen of a live session, with `historyLines` of scrollback (at most `limits.capture_history_lines`).
    func screen(_ id: String, historyLines: Int) async throws -> String {
        let session = try await lookup.accepting(id)
        return try await bridge.capture(session.record.tmuxSessionName, historyLines: min(historyLines, settings.current.limits.captureHistoryLines))
    }

    /// The session's transcript, its last `tailChars` characters (0: all); `since` and `until` (ISO
    /// times) choose the agent transcript's messages, and do not apply to a screen, which has no times.
    func transcript(_ id: String, tailChars: Int, since: String? = nil, until: String? = nil) async throws -> String {
        let query = AgentTranscriptQuery(since: try Self.time(since, named: "since"), until: try Self.time(until, named: "until"),
                                         tailChars: tailChars)
        let session = try await lookup.session(id)
        if let file = session.record.nativeLogFile, !file.isEmpty {
            if let messages = await agentTranscripts.messages(sessionID: id, path: file, title: session.record.title ?? "Untitled", query: query) {
                return messages
            }
        }
        let text: String
        if session.status.isLive {
            text = try await bridge.capture(session.record.tmuxSessionName, historyLines: settings.current.limits.captureHistoryLines)
        } else {
            text = session.record.finalScreen ?? ""
        }
        let trimmed = Self.trimTrailingBlankLines(text)
        return tailChars > 0 && trimmed.count > tailChars ? String(trimmed.suffix(tailChars)) : trimmed
    }

    /// An ISO time a client sent (nil or empty: none); anything else is refused, naming the argument.
    static func time(_ text: String?, named name: String) throws -> Timestamp? {
        guard let text, !text.isEmpty else { return nil }
        guard let stamp = Timestamp(iso8601: text) else {
            throw TetherError(.invalidRequest, "\(name) '\(text)' is not an ISO 8601 time; give one like 2026-01-11T20:00:00Z, or leave it empty")
        }
        return stamp
    }

    /// The text without the blank lines a terminal pads its screen with.
    static func trimTrailingBlankLines(_ text: String) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        while let last = lines.last, last.allSatisfy(\.isWhitespace) { lines.removeLast() }
        return lines.joined(separator: "\n")
    }
}
