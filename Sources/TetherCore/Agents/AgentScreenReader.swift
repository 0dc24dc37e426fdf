/// What the bottom of an agent's screen says.
public enum ScreenReading: Sendable, Equatable {
    /// A busy line is showing: the agent is in a turn.
    case busy
    /// A dialog waits for an answer.
    case prompt(AgentPrompt)
    /// The input prompt shows, with no busy line and no dialog.
    case idle
    /// None of those (starting up, a full-screen view, a shape Tether does not know).
    case unknown
}

/// Reads one agent kind's screen, as the output poller captured it (plain text, one string a
/// line), from its bottom ``windowLines`` non-empty lines only: what scrolled above is history,
/// not state. A dialog wins over a busy line, a busy line over the input prompt (agents keep the
/// input box on screen while they work).
public struct AgentScreenReader: Sendable {
    /// Non-empty lines read from the bottom: a permission dialog with its question, three or four
    /// options and a footer, the busy line, the input box and its hints fit with room to spare,
    /// and a diff shown above a dialog does not push its question out.
    public static let windowLines = 25

    /// The agent whose shapes this reader knows.
    public let kind: AgentKind
    private let markers: AgentScreenMarkers

    public init(kind: AgentKind) {
        self.kind = kind
        self.markers = .of(kind)
    }

    /// Reads `lines`, top to bottom as on the screen.
    public func read(_ lines: [String]) -> ScreenReading {
        read(window: AgentScreenLine.window(lines, size: Self.windowLines))
    }

    private func read(window: [AgentScreenLine]) -> ScreenReading {
        if let prompt = AgentPromptBlockParser.prompt(in: window, cursors: markers.cursors) { return .prompt(prompt) }
        // From the bottom: the busy line sits just above the input box.
        if window.reversed().contains(where: markers.isBusy) { return .busy }
        if markers.showsInputPrompt(window) { return .idle }
        return .unknown
    }

    /// Reads a whole captured screen (`PaneSnapshot.screen`): only its tail is split into lines,
    /// and a tail with nothing any agent draws (all ASCII, no `esc to`, no `>` prompt) is `unknown`
    /// at once, so a session printing plain output costs a byte scan per poll.
    public func read(screen: String) -> ScreenReading {
        let tail = Self.tail(of: screen, nonEmptyLines: Self.windowLines)
        guard Self.mayShowAgent(tail) else { return .unknown }
        return read(window: AgentScreenLine.window(Self.lines(of: tail), size: Self.windowLines))
    }

    /// The draft in the agent's input box on a whole captured screen (see
    /// ``AgentScreenMarkers/inputDraft(_:)``); nil when the input prompt does not show.
    public func draft(screen: String) -> String? {
        let tail = Self.tail(of: screen, nonEmptyLines: Self.windowLines)
        guard Self.mayShowAgent(tail) else { return nil }
        let window = AgentScreenLine.window(Self.lines(of: tail), size: Self.windowLines)
        return markers.inputDraft(window)
    }

    /// Whether the draft `before` an Enter has left the input box `now` shows: no line of the box
    /// is the draft's last line any more. A draft still there (a swallowed Enter) or grown by a
    /// line (an Enter taken as a newline) has not left; a placeholder never equals a draft's line.
    public static func draftLeft(_ before: String, now: String) -> Bool {
        guard let last = before.split(separator: "\n").last(where: { !$0.allSatisfy(\.isWhitespace) }) else { return false }
        return !now.split(separator: "\n").contains(last)
    }

    /// The part of `screen` holding its last `count` non-empty lines, found scanning bytes from the end.
    static func tail(of screen: String, nonEmptyLines count: Int) -> Substring {
        // On the bytes as stored (a captured screen is a native, contiguous string).
        let start = screen.utf8.withContiguousStorageIfAvailable { tailStart($0, nonEmptyLines: count) }
            ?? Array(screen.utf8).withUnsafeBufferPointer { tailStart($0, nonEmptyLines: count) }
        let index = screen.utf8.index(screen.utf8.startIndex, offsetBy: start)
        return screen[index...]
    }

    /// The offset where the last `count` non-empty lines of `bytes` begin (0: all of it).
    private static func tailStart(_ bytes: UnsafeBufferPointer<UInt8>, nonEmptyLines count: Int) -> Int {
        var index = bytes.count
        var seen = 0
        var lineHasText = false
        while index > 0 {
            let byte = bytes[index - 1]
            if byte == UInt8(ascii: "\n") {
                if lineHasText { seen += 1 }
                if seen >= count { return index }
                lineHasText = false
            } else if byte != UInt8(ascii: " ") {
                lineHasText = true
            }
            index -= 1
        }
        return 0
    }

    /// Whether `tail` could hold a busy line, a dialog or an input prompt of any agent: every
    /// cursor, rule and spinner they draw is outside ASCII; the ASCII ones are `esc to …` and a
    /// line starting with `>`.
    static func mayShowAgent(_ tail: Substring) -> Bool {
        var lineStart = true
        for byte in tail.utf8 {
            if byte >= 0x80 { return true }
            if byte == UInt8(ascii: "\n") { lineStart = true; continue }
            if lineStart, byte == UInt8(ascii: ">") { return true }
            if byte != UInt8(ascii: " ") { lineStart = false }
        }
        return tail.utf8.withContiguousStorageIfAvailable { AgentScreenMarkers.asciiCaseInsensitiveIndex(of: Self.escTo, in: $0) != nil }
            ?? tail.contains("esc to")
    }

    /// The lines of `text`, split at its newline bytes: no grapheme walk over box-drawing runs.
    static func lines(of text: Substring) -> [Substring] {
        var lines: [Substring] = []
        let bytes = text.utf8
        var start = bytes.startIndex
        var index = start
        while index < bytes.endIndex {
            if bytes[index] == UInt8(ascii: "\n") {
                lines.append(text[start..<index])
                start = bytes.index(after: index)
            }
            index = bytes.index(after: index)
        }
        lines.append(text[start...])
        return lines
    }

    /// What every busy line holds (`esc to interrupt`, `esc to cancel`).
    static let escTo = Array("esc to".utf8)
}
