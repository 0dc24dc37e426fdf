import Testing
import TetherCore
@testable import TetherDaemon

/// The line a notice types: one line, printable, short, naming the session by title or id prefix;
/// and how a pane's shell is named the way tmux names its foreground command.
@Suite(.timeLimit(.minutes(1))) struct AgentNoticeTests {
    let id = "3f2c1a9b-0000-4000-8000-000000000001"

    @Test func aTurnsEndNamesTheSessionAndTheReplysFirstLine() {
        let notice = AgentNotice(kind: .turnEnded, sessionID: id, title: "project: fix auth", computer: "MozMini",
                                 detail: "\n  All tests pass.\nDetails follow")
        #expect(notice.line == "[tether] session 'project: fix auth' on MozMini finished its turn: All tests pass.")
        let untitled = AgentNotice(kind: .needsInput, sessionID: id, title: nil, computer: "MozMini", detail: nil)
        #expect(untitled.line == "[tether] session 3f2c1a9b on MozMini needs input")
    }

    @Test func controlCharactersAndLengthAreTamed() {
        let notice = AgentNotice(kind: .needsInput, sessionID: id, title: "a\u{1b}[2Jb\tc", computer: "M",
                                 detail: "Allow\u{7}\u{0}\u{1b} this?" + String(repeating: "x", count: 500))
        let line = notice.line
        #expect(!line.unicodeScalars.contains { $0.properties.generalCategory == .control }, "\(line)")
        #expect(line.hasPrefix("[tether] session 'a [2Jb c' on M needs input: Allow this?"), "\(line)")
        #expect(line.count < 340 && line.hasSuffix("…"))
        #expect(AgentNotice.clean("   ", limit: 10).isEmpty)
    }

    @Test func theShellIsNamedAsTmuxNamesIt() {
        #expect(AgentExitWaiter.displayName(argv0: "-bash") == "bash")
        #expect(AgentExitWaiter.displayName(argv0: "/bin/sh") == "sh")
        #expect(AgentExitWaiter.displayName(argv0: "/usr/bin/zsh -l") == "zsh")
        #expect(AgentExitWaiter.displayName(argv0: "") == nil)
    }
}
