import Foundation
import Logging
import Testing
import TetherCore
@testable import TetherDaemon

/// Hook tokens (issue 12, "a hook naming another user's session"): the session's own token is
/// taken, another session's, a wrong one or none is refused `forbidden`; after a restart the token
/// is read from the session's file; a session without a token file takes no hooks.
@Suite(.timeLimit(.minutes(1))) struct AgentHookTokensTests {
    let base = NSTemporaryDirectory() + "tether-tokens-\(UUID().uuidString)"
    let files = BlockingWorker(name: "tokens-test")

    func tokens() -> AgentHookTokens {
        AgentHookTokens(directory: { [base] in base + "/" + $0 }, files: files, isLive: { _ in true }, logger: Logger(label: "tokens-test"))
    }

    func issue(_ tokens: AgentHookTokens, _ id: String) throws -> String {
        try FileManager.default.createDirectory(atPath: base + "/" + id, withIntermediateDirectories: true)
        let path = try tokens.issue(sessionID: id, in: base + "/" + id)
        return try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .newlines)
    }

    func refused(_ tokens: AgentHookTokens, _ token: String?, _ id: String) async -> Bool {
        do {
            try await tokens.verify(token, sessionID: id)
            return false
        } catch let error as TetherError {
            return error.code == .forbidden && error.message.contains("does not match session \(id)") && !(token.map(error.message.contains) ?? false)
        } catch {
            return false
        }
    }

    @Test func onlyTheSessionsOwnTokenIsTaken() async throws {
        defer { try? FileManager.default.removeItem(atPath: base) }
        let tokens = tokens()
        let a = try issue(tokens, "a"), b = try issue(tokens, "b")
        #expect(a != b)
        try await tokens.verify(a, sessionID: "a")
        #expect(await refused(tokens, a, "b"), "session A's hook naming session B")
        #expect(await refused(tokens, nil, "a"))
        #expect(await refused(tokens, String(a.dropLast()) + (a.hasSuffix("0") ? "1" : "0"), "a"))
        #expect(await refused(tokens, "", "a"))
        #expect(await refused(tokens, "anything", "no-token-file"), "a session whose agent has no hooks takes none")
    }

    @Test func afterARestartTheTokenIsReadFromTheSessionsFile() async throws {
        defer { try? FileManager.default.removeItem(atPath: base) }
        let a = try issue(tokens(), "a")
        let restarted = tokens()
        try await restarted.verify(a, sessionID: "a")
        #expect(await refused(restarted, "0123456789abcdef0123456789abcdef", "a"))
        #expect(try issue(restarted, "a") == a, "set up again, the token stays")
    }

    @Test func theComparisonIsByEveryByte() {
        #expect(AgentHookTokens.constantTimeEqual(Array("abc".utf8), Array("abc".utf8)))
        #expect(!AgentHookTokens.constantTimeEqual(Array("abc".utf8), Array("abd".utf8)))
        #expect(!AgentHookTokens.constantTimeEqual(Array("abc".utf8), Array("abcd".utf8)))
    }
}
