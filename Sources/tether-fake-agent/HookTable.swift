import Foundation

/// The hook commands configured for the fake, read from where the real CLI reads them:
/// Claude's `--settings <file>`, Gemini's `$GEMINI_CLI_SYSTEM_SETTINGS_PATH`; both the shape
/// `{"hooks": {"EventName": [{"matcher": "…", "hooks": [{"type": "command", "command": "…"}]}]}}`.
/// Never the user's `~/.claude`, `~/.gemini` or `~/.codex`.
struct HookTable {
    private struct Entry { let matcher: String?; let command: String }
    private var entries: [String: [Entry]] = [:]

    /// The settings file for `flavour`, or nil when none is configured (Codex: hooks come from `-c notify`).
    static func settingsPath(_ flavour: Flavour, options: FakeAgentOptions) -> String? {
        switch flavour {
        case .claude: options.settingsPath
        case .gemini: ProcessInfo.processInfo.environment["GEMINI_CLI_SYSTEM_SETTINGS_PATH"]
        case .codex: nil
        }
    }

    /// Reads the file; a missing file is no hooks, a malformed one an error naming it.
    static func read(path: String?) throws -> HookTable {
        var table = HookTable()
        guard let path, FileManager.default.fileExists(atPath: path) else { return table }
        guard let data = FileManager.default.contents(atPath: path),
              let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw OptionError("hook settings \(path) is not a JSON object; write {\"hooks\": {…}} there")
        }
        // Gemini also keeps switches (`enabled`, `disabled`) under `hooks`: only arrays are events.
        for case let (event, groups as [[String: Any]]) in root["hooks"] as? [String: Any] ?? [:] {
            for group in groups {
                let matcher = group["matcher"] as? String
                for case let hook as [String: Any] in group["hooks"] as? [Any] ?? [] {
                    guard (hook["type"] as? String ?? "command") == "command", let command = hook["command"] as? String else { continue }
                    table.entries[event, default: []].append(Entry(matcher: matcher, command: command))
                }
            }
        }
        return table
    }

    /// The commands for `event` whose matcher takes `subject` (the tool name, notification type or start source).
    func commands(for event: String, subject: String?) -> [String] {
        (entries[event] ?? []).filter { Self.matches($0.matcher, subject) }.map(\.command)
    }

    var isEmpty: Bool { entries.isEmpty }

    /// No matcher, an empty one or `*` takes all; else an exact name, a `|` list, or a whole-string regex.
    private static func matches(_ matcher: String?, _ subject: String?) -> Bool {
        guard let matcher, !matcher.isEmpty, matcher != "*", let subject else { return true }
        if matcher.split(separator: "|").contains(where: { $0 == subject }) { return true }
        guard let regex = try? NSRegularExpression(pattern: "^(?:\(matcher))$") else { return false }
        return regex.firstMatch(in: subject, range: NSRange(subject.startIndex..., in: subject)) != nil
    }
}
