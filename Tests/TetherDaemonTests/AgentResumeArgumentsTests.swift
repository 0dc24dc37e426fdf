import Foundation
import Logging
import TetherCore
import Testing
@testable import TetherDaemon

/// How an agent restart resumes: the session's own conversation by the id its hooks reported, keyed
/// by the CLI the command runs; the directory's latest conversation only when no id is known.
@Suite(.timeLimit(.minutes(1))) struct AgentResumeArgumentsTests {
    let launcher = AgentLauncher(client: "/usr/bin/tether", socket: "/run/tether/api.sock",
                                 tokens: AgentHookTokens(directory: { _ in "/nonexistent" }, files: BlockingWorker(name: "resume-test"),
                                                         isLive: { _ in true }, logger: Logger(label: "resume-test")))
    let id = "5f1c2d3e-0000-4a4a-8b8b-123456789abc"

    @Test func eachCLIResumesItsOwnConversationByIDElseItsLatest() {
        #expect(SessionSteering.resumeArguments(kind: .claude, nativeSessionID: id) == "--resume '\(id)'")
        #expect(SessionSteering.resumeArguments(kind: .gemini, nativeSessionID: id) == "--resume '\(id)'")
        #expect(SessionSteering.resumeArguments(kind: .codex, nativeSessionID: id) == "resume '\(id)'")
        #expect(SessionSteering.resumeArguments(kind: .claude, nativeSessionID: nil) == "--continue")
        #expect(SessionSteering.resumeArguments(kind: .gemini, nativeSessionID: nil) == "--resume latest")
        #expect(SessionSteering.resumeArguments(kind: .codex, nativeSessionID: "") == "resume --last")
    }

    @Test func anOperatorsOwnNameResumesAsTheCLIItsCommandRuns() throws {
        let kind = try #require(AgentLauncher.kind(name: "opus", command: "claude --model opus"))
        let arguments = SessionSteering.resumeArguments(kind: kind, nativeSessionID: id)
        let dir = NSTemporaryDirectory() + "tether-resume-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let line = try launcher.commandLine(name: "opus", command: "claude --model opus", arguments: arguments, sessionID: "s1", tempDirectory: dir)
        #expect(line == "claude --model opus --settings '\(dir)/tether-hooks/claude.json' --resume '\(id)'")
        let codex = try launcher.commandLine(name: "codex", command: "codex", arguments: SessionSteering.resumeArguments(kind: .codex, nativeSessionID: id),
                                             sessionID: "s1", tempDirectory: dir)
        #expect(codex.hasPrefix("codex -c 'notify=[") && codex.hasSuffix("]' resume '\(id)'"), "\(codex)")
    }

    @Test func onlyWhatLooksLikeAConversationIDIsKept() {
        #expect(AgentHookReceiver.conversationID(id) == id)
        #expect(AgentHookReceiver.conversationID("thread_01.abc:2") == "thread_01.abc:2")
        #expect(AgentHookReceiver.conversationID("") == nil)
        #expect(AgentHookReceiver.conversationID("x'; rm -rf ~; '") == nil)
        #expect(AgentHookReceiver.conversationID("a\nb") == nil)
        #expect(AgentHookReceiver.conversationID("é") == nil)
        #expect(AgentHookReceiver.conversationID(String(repeating: "a", count: AgentHookReceiver.maximumConversationIDLength + 1)) == nil)
    }
}
