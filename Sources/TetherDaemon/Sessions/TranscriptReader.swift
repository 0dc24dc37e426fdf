import Foundation
import TetherCore
import TetherTerminal

/// What a session shows: its screen now, and its transcript (the agent's own transcript file when
/// it has one, else the screen with its history, or the final screen of an ended session).
struct TranscriptReader: Sendable {
    /// The most of an agent transcript file read at once: the tail a client asks for is far shorter,
    /// and a transcript grown to hundreds of megabytes must not be read whole into memory.
    static let transcriptMaximumBytes = 4 << 20

    let lookup: SessionLookup
    let bridge: TerminalBridge
    let files: BlockingWorker
    let settings: LiveConfiguration

    /// The screen of a live session, with `historyLines` of scrollback (at most `limits.capture_history_lines`).
    func screen(_ id: String, historyLines: Int) async throws -> String {
        let session = try await lookup.accepting(id)
        return try await bridge.capture(session.record.tmuxSessionName, historyLines: min(historyLines, settings.current.limits.captureHistoryLines))
    }

    /// The session's transcript, its last `tailChars` characters (0: all).
    func transcript(_ id: String, tailChars: Int) async throws -> String {
        let session = try await lookup.session(id)
        let text: String
        if let file = session.record.nativeLogFile, !file.isEmpty,
           let contents = try? await files.run({ try Self.readTail(of: file, maxBytes: Self.transcriptMaximumBytes) }) {
            text = contents
        } else if session.status.isLive {
            text = try await bridge.capture(session.record.tmuxSessionName, historyLines: settings.current.limits.captureHistoryLines)
        } else {
            text = session.record.finalScreen ?? ""
        }
        let trimmed = Self.trimTrailingBlankLines(text)
        return tailChars > 0 && trimmed.count > tailChars ? String(trimmed.suffix(tailChars)) : trimmed
    }

    private static func readTail(of path: String, maxBytes: Int) throws -> String {
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        let size = try handle.seekToEnd()
        try handle.seek(toOffset: size > UInt64(maxBytes) ? size - UInt64(maxBytes) : 0)
        return String(decoding: try handle.readToEnd() ?? Data(), as: UTF8.self)
    }

    /// The text without the blank lines a terminal pads its screen with.
    static func trimTrailingBlankLines(_ text: String) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        while let last = lines.last, last.allSatisfy(\.isWhitespace) { lines.removeLast() }
        return lines.joined(separator: "\n")
    }
}
