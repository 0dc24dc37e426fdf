import Foundation
import TetherCore

/// How an agent CLI starts in a session: the configured command with hooks made for that session
/// alone, written into its private TMPDIR, never into the user's own settings
/// (`~/.claude/settings.json`, `~/.gemini/settings.json`, `~/.codex/config.toml` stay untouched).
///
/// | agent | how the hooks reach it |
/// |---|---|
/// | Claude Code | `claude --settings <tmpdir>/tether-hooks/claude.json` |
/// | Gemini CLI | `GEMINI_CLI_SYSTEM_SETTINGS_PATH=<tmpdir>/tether-hooks/gemini.json gemini` |
/// | Codex CLI | `codex -c 'notify=["tether","hook","codex","agent-turn-complete",…]'` (the JSON comes last) |
///
/// Each hook runs `tether hook <agent> <event> --session <id> --socket <api socket> --token-file
/// <tmpdir>/tether-hooks/token`: the session and the socket are in the command, so a hook finds
/// them even where the agent strips the environment (Gemini), and the token file (mode 0600,
/// ``AgentHookTokens``) proves the hook is the session's own; the token itself is never in a
/// command line, which every user can read in /proc. An agent of another name gets no hooks; the
/// screen tells its state.
struct AgentLauncher: Sendable {
    /// The hook events each agent is given, in the agent's own names.
    static let claudeEvents = ["SessionStart", "UserPromptSubmit", "PreToolUse", "PostToolUse", "PermissionRequest",
                               "Notification", "Stop", "StopFailure", "SubagentStop"]
    static let geminiEvents = ["BeforeAgent", "AfterAgent", "Notification", "BeforeTool", "AfterTool"]
    static let codexEvent = "agent-turn-complete"
    /// Where in the session's TMPDIR the settings files go.
    static let directoryName = "tether-hooks"
    /// Seconds an agent gives one hook before it carries on: `tether hook` itself gives up after
    /// its own 2 s deadline (`HookReporter.deadline`), so this only bounds a hook that could not even start.
    static let hookTimeoutSeconds = 10

    enum Kind: String, Sendable { case claude, gemini, codex }

    /// The `tether` client hooks run: beside `tetherd` (the package puts both in /usr/bin), else `$PATH`'s.
    let client: String
    /// The API socket the hooks post to.
    let socket: String
    /// The sessions' hook tokens, written beside their settings.
    let tokens: AgentHookTokens

    /// Which agent CLI `name` (a key of `agents:`) runs: the name itself when it is one of the
    /// three, else the program its command starts (`claude-opus: {command: "claude --model opus"}`).
    static func kind(name: String, command: String) -> Kind? {
        if let kind = Kind(rawValue: name) { return kind }
        let program = command.split(separator: " ").first { !$0.contains("=") }.map { String($0.split(separator: "/").last ?? $0) }
        return program.flatMap { Kind(rawValue: $0) }
    }

    /// The shell command line that starts `command` (the agent `name`) in session `sessionID` with
    /// its hooks, after writing the settings file it reads into `tempDirectory`. `arguments` are
    /// appended as given (already quoted).
    func commandLine(name: String, command: String, arguments: String?, sessionID: String, tempDirectory: String) throws -> String {
        let tail = arguments.map { " " + $0 } ?? ""
        guard let kind = Self.kind(name: name, command: command) else { return command + tail }
        let directory = try makeDirectory(in: tempDirectory)
        let tokenFile = try tokens.issue(sessionID: sessionID, in: directory)
        let hook = HookTarget(sessionID: sessionID, client: client, socket: socket, tokenFile: tokenFile)
        switch kind {
        case .claude:
            let file = try writeSettings(Self.settings(events: Self.claudeEvents, agent: kind, hook: hook), named: "claude.json", in: directory)
            return command + " --settings " + SessionInputSender.shellQuote(file) + tail
        case .gemini:
            let file = try writeSettings(Self.settings(events: Self.geminiEvents, agent: kind, hook: hook), named: "gemini.json", in: directory)
            return "GEMINI_CLI_SYSTEM_SETTINGS_PATH=" + SessionInputSender.shellQuote(file) + " " + command + tail
        case .codex:
            let words = hook.words(agent: kind, event: Self.codexEvent)
            let array = "[" + words.map(Self.tomlString).joined(separator: ",") + "]"
            return command + " -c " + SessionInputSender.shellQuote("notify=" + array) + tail
        }
    }

    /// What a session's hook commands name: the session, the client, the socket and the token file.
    struct HookTarget: Sendable {
        var sessionID: String
        var client: String
        var socket: String
        var tokenFile: String

        /// The words of the hook command one event runs.
        func words(agent: Kind, event: String) -> [String] {
            [client, "hook", agent.rawValue, event, "--session", sessionID, "--socket", socket, "--token-file", tokenFile]
        }

        /// The hook command one event runs, as a shell line.
        func command(agent: Kind, event: String) -> String {
            words(agent: agent, event: event).map(SessionInputSender.shellQuote).joined(separator: " ")
        }
    }

    /// The `hooks` settings both Claude Code and Gemini CLI read: each event, every tool (no
    /// matcher), one command.
    static func settings(events: [String], agent: Kind, hook: HookTarget) -> [String: Any] {
        var hooks: [String: Any] = [:]
        for event in events {
            let command: [String: Any] = ["type": "command", "command": hook.command(agent: agent, event: event),
                                          "timeout": agent == .gemini ? hookTimeoutSeconds * 1000 : hookTimeoutSeconds]
            hooks[event] = [["hooks": [command]]]
        }
        return ["hooks": hooks]
    }

    /// `tether-hooks/` in the session's TMPDIR, mode 0700, made if missing.
    private func makeDirectory(in tempDirectory: String) throws -> String {
        let directory = tempDirectory + "/" + Self.directoryName
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw TetherError(.terminal, "cannot make the agent's hook directory \(directory): \(error.localizedDescription); check that the session's TMPDIR is writable",
                              underlying: error)
        }
        return directory
    }

    private func writeSettings(_ settings: [String: Any], named name: String, in directory: String) throws -> String {
        let path = directory + "/" + name
        do {
            let data = try JSONSerialization.data(withJSONObject: settings, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw TetherError(.terminal, "cannot write the agent's hook settings \(path): \(error.localizedDescription); check that the session's TMPDIR is writable",
                              underlying: error)
        }
        return path
    }

    /// A TOML basic string: quotes and backslashes escaped.
    static func tomlString(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// `tether` beside the running `tetherd`, else the one on `$PATH`. It reads a link and stats a
    /// file, so it blocks: call it on a ``BlockingWorker`` (`files.run`), never on the cooperative pool.
    static func siblingClient() -> String {
        let daemon = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let sibling = URL(fileURLWithPath: daemon).deletingLastPathComponent().appendingPathComponent("tether").path
        return FileManager.default.isExecutableFile(atPath: sibling) ? sibling : "tether"
    }
}
