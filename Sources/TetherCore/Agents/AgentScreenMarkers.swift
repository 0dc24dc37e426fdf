/// The fixed strings each agent CLI draws: busy lines, dialog cursors and input prompts, as the
/// current Claude Code, Gemini CLI and Codex CLI show them.
struct AgentScreenMarkers: Sendable {
    /// Shown in parentheses on the busy line while a turn runs: Claude's
    /// `✻ Thinking… (3s · esc to interrupt)`, Codex's `Working (5s • esc to interrupt)`, Gemini's
    /// `(esc to cancel, 12s)`. Compared lowercased.
    let busy: [String]
    /// The cursor before the selected option of a dialog: Claude `❯`, Codex `›`, Gemini `●`.
    let cursors: [Character]
    /// Starts the input line between two rules (Claude `> `, Gemini `>   Type your message`).
    let boxedInputPrompts: [Character]
    /// Shown on an empty input line (Gemini's `>   Type your message or @path/to/file`): the line
    /// is the input prompt even where no rule is drawn around it.
    let placeholders: [String]
    /// Starts Codex's input line, which has no box but a key hint below it.
    let hintedInputPrompts: [Character]
    /// On the line under a hinted input line when the composer is showing (`⏎ send`, `? for shortcuts`).
    let inputHints: [String]
    /// ``busy`` as lowercase ASCII bytes, made once.
    let busyBytes: [[UInt8]]

    init(busy: [String], cursors: [Character], boxedInputPrompts: [Character], placeholders: [String],
         hintedInputPrompts: [Character], inputHints: [String]) {
        self.busy = busy
        self.cursors = cursors
        self.boxedInputPrompts = boxedInputPrompts
        self.placeholders = placeholders
        self.hintedInputPrompts = hintedInputPrompts
        self.inputHints = inputHints
        busyBytes = busy.map { Array($0.lowercased().utf8) }
    }

    static func of(_ kind: AgentKind) -> AgentScreenMarkers {
        switch kind {
        case .claude: claude
        case .gemini: gemini
        case .codex: codex
        case .other: other
        }
    }

    static let claude = AgentScreenMarkers(busy: ["esc to interrupt"], cursors: ["❯"], boxedInputPrompts: [">", "❯"], placeholders: [],
                                           hintedInputPrompts: [], inputHints: [])
    static let gemini = AgentScreenMarkers(busy: ["esc to cancel"], cursors: ["●"], boxedInputPrompts: [">"], placeholders: ["Type your message"],
                                           hintedInputPrompts: [], inputHints: [])
    static let codex = AgentScreenMarkers(busy: ["esc to interrupt"], cursors: ["›"], boxedInputPrompts: [], placeholders: [],
                                          hintedInputPrompts: ["›"], inputHints: ["⏎ send", "? for shortcuts", "context left"])
    static let other = AgentScreenMarkers(busy: claude.busy + gemini.busy, cursors: claude.cursors + gemini.cursors + codex.cursors,
                                          boxedInputPrompts: claude.boxedInputPrompts, placeholders: gemini.placeholders,
                                          hintedInputPrompts: codex.hintedInputPrompts, inputHints: codex.inputHints)

    /// Whether `line` is a busy line: a marker inside parentheses, so a sentence that merely
    /// mentions the words (in a diff, in docs the agent prints) does not count. Markers are ASCII,
    /// matched in the line's bytes ignoring ASCII case: no lowercased copy of every line.
    func isBusy(_ line: AgentScreenLine) -> Bool {
        if let busy = line.text.utf8.withContiguousStorageIfAvailable({ isBusy($0) }) { return busy }
        return Array(line.text.utf8).withUnsafeBufferPointer { isBusy($0) }
    }

    private func isBusy(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        busyBytes.contains { marker in
            guard let start = Self.asciiCaseInsensitiveIndex(of: marker, in: bytes) else { return false }
            return bytes[..<start].contains(UInt8(ascii: "(")) && bytes[(start + marker.count)...].contains(UInt8(ascii: ")"))
        }
    }


    /// Where `marker` (lowercase ASCII) starts in `bytes`, ignoring ASCII case.
    static func asciiCaseInsensitiveIndex(of marker: [UInt8], in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let first = marker.first, bytes.count >= marker.count else { return nil }
        func lower(_ byte: UInt8) -> UInt8 { byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte }
        var start = 0
        while start + marker.count <= bytes.count {
            if lower(bytes[start]) == first {
                var offset = 1
                while offset < marker.count, lower(bytes[start + offset]) == marker[offset] { offset += 1 }
                if offset == marker.count { return start }
            }
            start += 1
        }
        return nil
    }

    /// Whether the window shows the agent's input prompt: a prompt line right under a rule with a
    /// rule below it (a draft may span a few lines), or a hinted prompt line with its hint below.
    func showsInputPrompt(_ window: [AgentScreenLine]) -> Bool {
        inputArea(window) != nil
    }

    /// What the input box holds: its lines from the prompt line down to the closing rule or hint,
    /// the prompt character taken off, joined by newlines ("" for an empty box); nil when no input
    /// prompt shows. A placeholder is kept as text: a submit is seen as the draft leaving, not as
    /// the box turning empty.
    func inputDraft(_ window: [AgentScreenLine]) -> String? {
        guard let area = inputArea(window) else { return nil }
        var lines = window[area].map(\.text)
        lines[0] = String(lines[0].dropFirst().drop { $0 == " " })
        return lines.joined(separator: "\n")
    }

    /// The lines of the bottom-most input box: the prompt line and the draft lines under it, up to
    /// (not including) the closing rule or hint line.
    private func inputArea(_ window: [AgentScreenLine]) -> Range<Int>? {
        for index in window.indices.reversed() {
            let line = window[index]
            guard let first = line.text.first, AgentPromptBlockParser.option(line, cursors: cursors) == nil else { continue }
            let below = window[(index + 1)...].prefix(Self.draftLines)
            if boxedInputPrompts.contains(first) {
                if index > 0, window[index - 1].isRule, let rule = below.firstIndex(where: \.isRule) { return index..<rule }
                if placeholders.contains(where: line.text.contains) { return index..<(index + 1) }
            }
            if hintedInputPrompts.contains(first),
               let hint = below.firstIndex(where: { hint in inputHints.contains { hint.text.contains($0) } }) {
                return index..<hint
            }
        }
        return nil
    }

    /// Lines a draft in the input box may take before its closing rule or hint is looked for.
    static let draftLines = 4
}
