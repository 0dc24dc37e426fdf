import Foundation

// Flags: --flavour claude|gemini|codex, --log PATH (bytes read), --events PATH (JSON lines; else --log),
// --transcript PATH, --settings FILE (Claude hooks), -c 'notify=["prog","arg"]' (Codex), --work-ms N,
// --prompt-on WORD (default EDIT), --list-on WORD (default LIST), --reply TEXT, --no-stop-hook,
// --transcript-lag-ms N, --swallow-enter N, --split-assistant, --diff-lines N, --hook-timeout-ms N,
// --strip-hook-env. Gemini's hooks come from $GEMINI_CLI_SYSTEM_SETTINGS_PATH.

/// What the fake agent was started with. Unknown arguments are kept (and logged), not refused, so a
/// configuration written for a real CLI (`--dangerously-skip-permissions`, a first prompt) still runs it.
struct FakeAgentOptions {
    var flavour: Flavour
    var logPath: String?
    var eventsPath: String?
    var transcriptPath: String?
    var settingsPath: String?
    var notifyProgram: [String] = []
    var workTime: Duration = FakeAgentOptions.defaultWorkTime
    var transcriptLag: Duration = .zero
    var hookTimeout: Duration = FakeAgentOptions.defaultHookTimeout
    var promptTrigger = "EDIT"
    var listTrigger = "LIST"
    var reply: String?
    var noStopHook = false
    var swallowEnters = 0
    var splitAssistant = false
    var stripHookEnvironment = false
    var diffLines = 1
    var ignored: [String] = []

    /// Long enough for a poller (0.1–0.5 s) to see the busy marker several times, short enough for tests.
    static let defaultWorkTime: Duration = .milliseconds(1500)
    /// Claude's own default is 60 s; a fixture hook that takes over 10 s is broken, and the UI never waits on it.
    static let defaultHookTimeout: Duration = .seconds(10)

    /// Reads argv. The flavour comes from `--flavour`, else from the program's name, else Claude.
    static func parse(_ arguments: [String]) throws -> FakeAgentOptions {
        let name = URL(fileURLWithPath: arguments.first ?? "").lastPathComponent
        var options = FakeAgentOptions(flavour: Flavour.allCases.first { name.contains($0.rawValue) } ?? .claude)
        var rest = arguments.dropFirst()[...]
        func value(_ flag: String) throws -> String {
            guard let next = rest.popFirst() else { throw OptionError("\(flag) needs a value") }
            return next
        }
        func milliseconds(_ flag: String) throws -> Duration {
            let text = try value(flag)
            guard let number = Int(text), number >= 0 else { throw OptionError("\(flag) takes milliseconds, got '\(text)'") }
            return .milliseconds(number)
        }
        func count(_ flag: String) throws -> Int {
            let text = try value(flag)
            guard let number = Int(text), number >= 0 else { throw OptionError("\(flag) takes a count, got '\(text)'") }
            return number
        }
        while let argument = rest.popFirst() {
            switch argument {
            case "--flavour", "--flavor":
                let text = try value(argument)
                guard let flavour = Flavour(rawValue: text) else { throw OptionError("--flavour is claude, gemini or codex, got '\(text)'") }
                options.flavour = flavour
            case "--log": options.logPath = try value(argument)
            case "--events": options.eventsPath = try value(argument)
            case "--transcript": options.transcriptPath = try value(argument)
            case "--settings": options.settingsPath = try value(argument)
            case "-c", "--config": try options.readCodexConfig(value(argument))
            case "--work-ms": options.workTime = try milliseconds(argument)
            case "--transcript-lag-ms": options.transcriptLag = try milliseconds(argument)
            case "--hook-timeout-ms": options.hookTimeout = try milliseconds(argument)
            case "--prompt-on": options.promptTrigger = try value(argument)
            case "--list-on": options.listTrigger = try value(argument)
            case "--reply": options.reply = try value(argument)
            case "--no-stop-hook": options.noStopHook = true
            case "--split-assistant": options.splitAssistant = true
            case "--strip-hook-env": options.stripHookEnvironment = true
            case "--swallow-enter": options.swallowEnters = try count(argument)
            case "--diff-lines": options.diffLines = try count(argument)
            default: options.ignored.append(argument)
            }
        }
        return options
    }

    /// Codex's `-c key=value`: only `notify=["prog", "arg", …]` matters here; other keys are ignored as Codex
    /// would apply them to things the fake does not have.
    private mutating func readCodexConfig(_ assignment: String) throws {
        let parts = assignment.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, parts[0] == "notify" else { ignored.append(assignment); return }
        notifyProgram = try TomlStringArrayParser.parse(parts[1])
    }
}

/// A bad command line: the message names the flag and what it takes.
struct OptionError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The one TOML shape Codex's `notify` takes: an array of strings, basic (`"…"` with escapes) or literal (`'…'`).
enum TomlStringArrayParser {
    static func parse(_ text: String) throws -> [String] {
        var characters = Array(text.trimmingCharacters(in: .whitespaces))[...]
        guard characters.popFirst() == "[", characters.popLast() == "]" else {
            throw OptionError("-c notify= takes a TOML array of strings like [\"prog\", \"arg\"], got '\(text)'")
        }
        var items: [String] = []
        while let next = characters.popFirst() {
            if next == " " || next == "," { continue }
            guard next == "\"" || next == "'" else { throw OptionError("-c notify=: expected a quoted string at '\(next)' in '\(text)'") }
            var item = ""
            var closed = false
            while let character = characters.popFirst() {
                if character == next { closed = true; break }
                if next == "\"", character == "\\", let escaped = characters.popFirst() {
                    switch escaped {
                    case "n": item.append("\n")
                    case "t": item.append("\t")
                    default: item.append(escaped)
                    }
                } else {
                    item.append(character)
                }
            }
            guard closed else { throw OptionError("-c notify=: an unclosed string in '\(text)'") }
            items.append(item)
        }
        return items
    }
}
