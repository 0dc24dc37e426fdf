/// One tmux command as argv tokens: run as arguments of a one-shot `tmux`, or quoted into a line for
/// the control-mode client.
public struct TmuxCommand: Sendable, Equatable, CustomStringConvertible {
    public let arguments: [String]
    /// How long tmux may take to answer it.
    public let deadline: TerminalDeadline

    public init(_ arguments: [String], deadline: TerminalDeadline = .normal) {
        self.arguments = arguments
        self.deadline = deadline
    }

    public var description: String { "tmux " + arguments.joined(separator: " ") }

    /// The command as one control-mode line (without the newline): every token double-quoted, with
    /// `\`, `"` and `$` escaped and every control character written as an octal escape, so
    /// nothing in the text is parsed, expanded or splits the line.
    public var controlLine: String {
        arguments.map(Self.quote).joined(separator: " ")
    }

    static func quote(_ token: String) -> String {
        var quoted = "\""
        quoted.unicodeScalars.reserveCapacity(token.unicodeScalars.count + 2)
        for scalar in token.unicodeScalars {
            switch scalar {
            case "\\": quoted += "\\\\"
            case "\"": quoted += "\\\""
            case "$": quoted += "\\$"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                let octal = String(scalar.value, radix: 8)
                quoted += "\\" + String(repeating: "0", count: 3 - octal.count) + octal
            default: quoted.unicodeScalars.append(scalar)
            }
        }
        return quoted + "\""
    }
}

/// Which of the configured subprocess deadlines bounds an operation.
public enum TerminalDeadline: Sendable, Equatable {
    /// `timeouts.subprocess_quick`: queries and captures.
    case quick
    /// `timeouts.subprocess`: ordinary commands (typing, keys, kill).
    case normal
    /// `timeouts.subprocess_long`: creating a session, starting the server.
    case long
}

/// What tmux said about a command that failed, classified.
enum TmuxFailure {
    /// The message tmux gives for a missing session, window or pane, or a missing server.
    /// The message tmux gives when no server listens on the socket.
    static func isServerDown(_ message: String) -> Bool {
        message.contains("no server running") || message.contains("error connecting to")
    }

    static func isMissing(_ message: String) -> Bool {
        message.contains("can't find session") || message.contains("can't find pane") || message.contains("can't find window")
            || message.contains("no server running") || message.contains("error connecting to") || message.contains("session not found")
    }
}
