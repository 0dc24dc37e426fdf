import Foundation
import TetherCore
import TetherTerminal

/// Whether the agent CLI in a session's pane has exited: the pane's foreground command
/// (`#{pane_current_command}`) is the pane's own process, its shell, again. tmux names the
/// foreground command from `/proc/<pgrp>/cmdline`, so the shell's name is read the same way.
struct AgentExitWaiter: Sendable {
    /// How often the pane is asked while waiting: one `display-message` each, and an agent
    /// exits within a few hundred milliseconds of its last Ctrl-C.
    static let checkInterval: Duration = .milliseconds(100)

    let bridge: TerminalBridge
    /// Reads `/proc` off the cooperative pool.
    let files: BlockingWorker
    let time: TimeSource

    /// True when the pane runs its shell in the foreground, false while another program does; nil
    /// when that cannot be told (no such pane, a dead pane, a process `/proc` does not show).
    func shellInForeground(_ tmuxName: String) async throws -> Bool? {
        guard let pane = try await bridge.paneState(tmuxName), !pane.dead, let pid = pane.pid else { return nil }
        guard let shell = try await files.run({ Self.commandName(pid: pid) }) else { return nil }
        return pane.currentCommand == shell
    }

    /// Waits up to `limit` for the shell to be in the foreground again; its answer at the end.
    func waitForShell(_ tmuxName: String, within limit: Duration) async throws -> Bool? {
        let end = time.now + limit
        var answer = try await shellInForeground(tmuxName)
        while answer == false, time.now < end {
            try await time.sleep(for: Self.checkInterval)
            answer = try await shellInForeground(tmuxName)
        }
        return answer
    }

    /// A process's name as tmux shows it: the first word of argv[0], without a login shell's `-`
    /// or a directory.
    static func commandName(pid: Int) -> String? {
        guard let handle = FileHandle(forReadingAtPath: "/proc/\(pid)/cmdline") else { return nil }
        defer { try? handle.close() }
        guard let data = try? handle.readToEnd(), let first = data.split(separator: 0).first else { return nil }
        return displayName(argv0: String(decoding: first, as: UTF8.self))
    }

    /// tmux's reading of argv[0]: leading blanks and dashes dropped, cut at a space, the last path part.
    static func displayName(argv0: String) -> String? {
        let trimmed = argv0.drop { $0 == " " || $0 == "-" }
        let word = trimmed.prefix { $0 != " " }
        let name = word.split(separator: "/").last.map(String.init) ?? String(word)
        return name.isEmpty ? nil : name
    }
}
