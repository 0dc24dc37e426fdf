import TetherCore

/// The cost of one screen check, the part of polling an agent session adds: `AgentScreenReader`
/// on whole captured screens as the poller hands them over, per screen shape.
enum ScreenReadBenchmark {
    /// 24 lines of `date` output: the byte scan finds nothing an agent draws.
    static let ascii = (1...24).map { "17647\($0)123456789" }.joined(separator: "\n")
    /// Claude Code mid-turn, as the polling benchmark's script draws it on an 80-column pane.
    static let agent = (["⏺ Reading the files the task names.", "  ⎿  Read 120 lines", "", "✻ Thinking… (12s · ↑ 1.2k tokens · esc to interrupt)", "",
                         String(repeating: "─", count: 80), "> ", String(repeating: "─", count: 80), "  ? for shortcuts"]
                        + Array(repeating: "", count: 15)).joined(separator: "\n")
    /// A permission dialog under a diff, idle input box gone.
    static let dialog = (["⏺ Update(test.txt)", "╭─ Edit file ─", "│ test.txt", "│ +hello from the fake agent 1", "╰─", "",
                          "Do you want to make this edit to test.txt?", "❯ 1. Yes", "  2. Yes, allow all edits during this session (shift+tab)",
                          "  3. No, and tell Claude what to do differently (esc)"] + Array(repeating: "", count: 14)).joined(separator: "\n")

    static func run(changesPerSecond: Int = 200) -> [String] {
        let reader = AgentScreenReader(kind: .claude)
        var lines = ["### One screen check (`AgentScreenReader.read(screen:)`, a whole 80×24 capture), median of 15 rounds", "",
                     "| screen | per read | at \(changesPerSecond) changed screens a second |", "|---|---|---|"]
        for (name, screen) in [("plain ASCII (`date`)", ascii), ("an agent mid-turn (spinner, rules, input box)", agent), ("a permission dialog", dialog)] {
            var sink = 0
            let nanoseconds = Measure.medianNanoseconds(iterations: 2000) {
                if case .unknown = reader.read(screen: screen) { sink &+= 1 }
            }
            let share = nanoseconds * Double(changesPerSecond) / 1e9 * 100
            lines.append("| \(name) | \(Measure.format(nanoseconds)) | \(String(format: "%.3f", share))% of one core |" + (sink < 0 ? " " : ""))
        }
        return lines + [""]
    }
}
