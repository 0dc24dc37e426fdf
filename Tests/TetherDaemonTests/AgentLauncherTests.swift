import Foundation
import Logging
import Testing
import TetherCore
@testable import TetherDaemon

/// The command lines agents start with: hooks made for the session, in its TMPDIR, in each agent's
/// own way; an agent of another kind starts as configured.
@Suite(.timeLimit(.minutes(1))) struct AgentLauncherTests {
    let launcher = AgentLauncher(client: "/usr/bin/tether", socket: "/run/tether/api.sock",
                                 tokens: AgentHookTokens(directory: { _ in "/nonexistent" }, files: BlockingWorker(name: "launcher-test"),
                                                         isLive: { _ in true }, logger: Logger(label: "launcher-test")))

    func temp() throws -> String {
        let path = NSTemporaryDirectory() + "tether-launch-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func theKindComesFromTheNameElseFromTheProgramTheCommandRuns() {
        #expect(AgentLauncher.kind(name: "claude", command: "anything") == .claude)
        #expect(AgentLauncher.kind(name: "opus", command: "/opt/bin/claude --model opus") == .claude)
        #expect(AgentLauncher.kind(name: "g", command: "NODE_OPTIONS=x gemini") == .gemini)
        #expect(AgentLauncher.kind(name: "aider", command: "aider --yes") == nil)
    }

    @Test func claudeGetsASettingsFileWithEveryHookAndGeminiGetsItThroughTheSystemSettingsPath() throws {
        let dir = try temp()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let claude = try launcher.commandLine(name: "claude", command: "claude", arguments: "'hello'", sessionID: "s1", tempDirectory: dir)
        #expect(claude == "claude --settings '\(dir)/tether-hooks/claude.json' 'hello'")
        let settings = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/tether-hooks/claude.json"))) as? [String: Any]
        let hooks = settings?["hooks"] as? [String: Any] ?? [:]
        #expect(Set(hooks.keys) == Set(AgentLauncher.claudeEvents))
        let gemini = try launcher.commandLine(name: "gemini", command: "gemini", arguments: nil, sessionID: "s1", tempDirectory: dir)
        #expect(gemini == "GEMINI_CLI_SYSTEM_SETTINGS_PATH='\(dir)/tether-hooks/gemini.json' gemini")
    }

    @Test func codexGetsItsNotifyProgramOnTheCommandLineWithTheResumeArgumentsAfter() throws {
        let dir = try temp()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let line = try launcher.commandLine(name: "codex", command: "codex", arguments: "resume --last", sessionID: "s1", tempDirectory: dir)
        #expect(line == #"codex -c 'notify=["/usr/bin/tether","hook","codex","agent-turn-complete","--session","s1","--socket","/run/tether/api.sock","--token-file","\#(dir)/tether-hooks/token"]' resume --last"#)
        #expect(try launcher.commandLine(name: "aider", command: "aider", arguments: "--yes", sessionID: "s1", tempDirectory: "/nonexistent") == "aider --yes")
    }

    @Test func theHookCommandNamesTheTokenFileOfMode0600AndNeverTheTokenItself() throws {
        let dir = try temp()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try launcher.commandLine(name: "claude", command: "claude", arguments: nil, sessionID: "s1", tempDirectory: dir)
        let tokenFile = dir + "/tether-hooks/token"
        let token = try String(contentsOfFile: tokenFile, encoding: .utf8).trimmingCharacters(in: .newlines)
        #expect(token.count == 32 && token.allSatisfy(\.isHexDigit), "\(token.count) characters")
        let mode = try FileManager.default.attributesOfItem(atPath: tokenFile)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let settings = try String(contentsOfFile: dir + "/tether-hooks/claude.json", encoding: .utf8)
        #expect(settings.contains("'--token-file' '\(tokenFile)'"), "\(settings)")
        #expect(!settings.contains(token), "the secret is never on a command line")
        // Hooks set up again (agent-restart) keep the token, so hooks of the running agent stay valid.
        _ = try launcher.commandLine(name: "gemini", command: "gemini", arguments: nil, sessionID: "s1", tempDirectory: dir)
        #expect(try String(contentsOfFile: tokenFile, encoding: .utf8).trimmingCharacters(in: .newlines) == token)
    }
}
