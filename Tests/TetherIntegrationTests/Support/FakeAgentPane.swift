import Foundation
import TetherTerminal

extension Binaries {
    /// The fake agent CLI (Sources/tether-fake-agent), built beside tetherd and never installed.
    static var fakeAgent: String { directory.appendingPathComponent("tether-fake-agent").path }
}

/// A `tether-fake-agent` running in a pane of `world`'s private tmux server (`-L <random> -f /dev/null`,
/// `TMUX_TMPDIR` and `HOME` in the world's directory), with its byte log, event log and transcript there.
struct FakeAgentPane {
    let world: SessionWorld
    let name: String
    var byteLog: String { world.dir.file("\(name).bytes") }
    var eventLog: String { world.dir.file("\(name).events") }
    var transcript: String { world.dir.file("\(name).jsonl") }

    /// Starts the fake with `--flavour flavour` and `arguments`, and waits until it has drawn its screen.
    static func start(_ world: SessionWorld, name: String = "fa", flavour: String, arguments: [String] = [],
                      environment: [String: String] = [:]) async throws -> FakeAgentPane {
        let pane = FakeAgentPane(world: world, name: name)
        let argv = [Binaries.fakeAgent, "--flavour", flavour, "--log", pane.byteLog, "--events", pane.eventLog,
                    "--transcript", pane.transcript, "--work-ms", "1200"] + arguments
        let variables = ["TMPDIR": world.dir.path].merging(environment) { $1 }
        try await world.tmux(["-f", "/dev/null", "new-session", "-d", "-s", name, "-x", "120", "-y", "40", "-c", world.home]
            + variables.flatMap { ["-e", "\($0.key)=\($0.value)"] } + [argv.map(Self.quoted).joined(separator: " ")])
        guard await eventually({ pane.events(named: "start").count == 1 }) else {
            throw FakeAgentError("the fake agent did not start: \((try? await pane.screen()) ?? "")")
        }
        return pane
    }

    func screen() async throws -> String {
        try await world.tmux(["capture-pane", "-p", "-t", name]).stdoutText
    }

    /// The screen's lines without trailing blanks, for comparing prompt blocks line by line.
    func screenLines() async throws -> [String] {
        try await screen().split(separator: "\n", omittingEmptySubsequences: false).map {
            String($0.reversed().drop { $0 == " " }.reversed())
        }
    }

    /// `tmux send-keys` with these arguments: one command, so the keys reach the fake in one write.
    func keys(_ keys: String...) async throws {
        try await world.tmux(["send-keys", "-t", name] + keys)
    }

    /// Types `text` literally (no key names), then waits until the fake has read it.
    func type(_ text: String) async throws {
        let before = bytesRead
        try await world.tmux(["send-keys", "-t", name, "-l", text])
        _ = await eventually { bytesRead >= before + text.utf8.count }
    }

    /// Pastes `text` as Tether does: a tmux buffer, pasted bracketed (`-p`) and raw (`-r`: "\n" stays "\n");
    /// `then` appends more tmux commands to the same invocation (`[";", "send-keys", …]`).
    func paste(_ text: String, then: [String] = []) async throws {
        let file = world.dir.file("\(name).paste")
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        try await world.tmux(["load-buffer", "-b", "\(name)-paste", file])
        try await world.tmux(["paste-buffer", "-p", "-r", "-d", "-b", "\(name)-paste", "-t", name] + then)
    }

    /// Presses Enter on its own until the fake submits or `attempts` Enters were each answered with an
    /// ignore (after a paste, or swallowed); returns the number of Enters sent.
    func enterUntilSubmitted(attempts: Int = 20) async throws -> Int {
        for attempt in 1...attempts {
            let seen = events(named: "submit").count + events(named: "enter_ignored").count
            try await keys("Enter")
            _ = await eventually { events(named: "submit").count + events(named: "enter_ignored").count > seen }
            if !events(named: "submit").isEmpty { return attempt }
        }
        return attempts
    }

    /// Every event line of the event log, oldest first.
    var events: [[String: Any]] {
        let text = (try? String(contentsOfFile: eventLog, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    func events(named key: String) -> [Any] { events.compactMap { $0[key] } }

    var submits: [String] { events(named: "submit").compactMap { $0 as? String } }

    /// How many bytes the fake has read, from its byte log's `read <count>` lines.
    var bytesRead: Int {
        let text = (try? String(contentsOfFile: byteLog, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").reduce(0) { $0 + (Int($1.split(separator: " ").dropFirst(2).first ?? "") ?? 0) }
    }

    /// Each line of a file written by hooks that append their stdin and a newline, parsed.
    static func jsonLines(_ path: String) -> [[String: Any]] {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }
}

struct FakeAgentError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension FakeAgentPane {
    /// `text` as one word for `sh -c` (tmux runs a new session's command with the shell).
    static func quoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }
}

/// Hook configurations for the fake agent whose every command appends its stdin (the payload) as a line.
enum FakeAgentHookFiles {
    static let claudeEvents = ["SessionStart", "UserPromptSubmit", "PreToolUse", "PermissionRequest", "Notification", "PostToolUse", "Stop"]
    static let geminiEvents = ["SessionStart", "BeforeAgent", "BeforeTool", "Notification", "AfterTool", "AfterAgent"]

    /// Writes `settings.json` in the world's directory (for Claude's `--settings`, or Gemini's system settings).
    static func claudeSettings(_ world: SessionWorld, appendingTo file: String, events: [String] = claudeEvents, extra: String = "") throws {
        let command = "cat >> \(FakeAgentPane.quoted(file)); echo >> \(FakeAgentPane.quoted(file))\(extra)"
        let hooks = Dictionary(uniqueKeysWithValues: events.map { ($0, [["matcher": "", "hooks": [["type": "command", "command": command]]]]) })
        let data = try JSONSerialization.data(withJSONObject: ["hooks": hooks], options: [.sortedKeys])
        try data.write(to: URL(fileURLWithPath: world.dir.file("settings.json")))
    }

    /// The user's global settings directories, which no fake run may create.
    static func globalDirectories(_ world: SessionWorld) -> [String] {
        [".claude", ".gemini", ".codex"].map { world.home + "/" + $0 }.filter { FileManager.default.fileExists(atPath: $0) }
    }
}
