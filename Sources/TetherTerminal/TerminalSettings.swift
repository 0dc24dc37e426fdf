import TetherCore

/// What the terminal bridge reads from the configuration; re-read on every operation, so a reload
/// changes deadlines at once.
public struct TerminalSettings: Sendable, Equatable {
    /// `computer.tmux_binary`: a path or a name looked up in PATH.
    public var binary: String
    /// `computer.tmux_socket`: the `-L` socket; never the user's own server.
    public var socket: String
    public var quickTimeout: Duration
    public var timeout: Duration
    public var longTimeout: Duration
    /// Lines of history a capture with history includes (`limits.capture_history_lines`).
    public var historyLines: Int
    /// The environment every tmux process starts with (and so the server's global environment).
    public var environment: [String: String]

    public init(binary: String, socket: String, quickTimeout: Duration, timeout: Duration, longTimeout: Duration,
                historyLines: Int, environment: [String: String]) {
        self.binary = binary
        self.socket = socket
        self.quickTimeout = quickTimeout
        self.timeout = timeout
        self.longTimeout = longTimeout
        self.historyLines = historyLines
        self.environment = environment
    }

    public func duration(of deadline: TerminalDeadline) -> Duration {
        switch deadline {
        case .quick: quickTimeout
        case .normal: timeout
        case .long: longTimeout
        }
    }

    /// Variables systemd gives the daemon that must not reach the sessions' shells (a shell that
    /// inherited `NOTIFY_SOCKET` could tell systemd the daemon is ready or stopping), and tmux's own.
    public static let withheldVariables: Set<String> = [
        "NOTIFY_SOCKET", "WATCHDOG_PID", "WATCHDOG_USEC", "LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES",
        "INVOCATION_ID", "JOURNAL_STREAM", "MANAGERPID", "SYSTEMD_EXEC_PID", "MAINPID", "TRIGGER_UNIT",
        "TRIGGER_PATH", "TMUX", "TMUX_PANE", "TETHER_CONFIG", "CREDENTIALS_DIRECTORY", "MEMORY_PRESSURE_WATCH",
        "MEMORY_PRESSURE_WRITE",
    ]

    /// `environment` without ``withheldVariables``.
    public static func sessionEnvironment(from environment: [String: String]) -> [String: String] {
        environment.filter { !withheldVariables.contains($0.key) }
    }
}

/// A pane as tmux reports it.
public struct PaneState: Sendable, Equatable {
    /// The pane's process has exited (the pane stays, with `remain-on-exit`, so its last screen can be read).
    public var dead: Bool
    public var exitStatus: Int?
    public var pid: Int?
    public var currentCommand: String
    public var currentPath: String

    /// The `display-message` format that ``init(line:)`` reads: tab-separated, the path last.
    static let format = "#{pane_dead}\t#{pane_dead_status}\t#{pane_dead_signal}\t#{pane_pid}\t#{pane_current_command}\t#{pane_current_path}"

    init?(line: String) {
        let fields = line.split(separator: "\t", maxSplits: 5, omittingEmptySubsequences: false)
        guard fields.count == 6 else { return nil }
        dead = fields[0] == "1"
        // A process ended by a signal reads as 128 + the signal, as a shell reports it.
        exitStatus = Int(fields[1]) ?? Int(fields[2]).map { 128 + $0 }
        pid = Int(fields[3])
        currentCommand = String(fields[4])
        currentPath = String(fields[5])
    }
}

/// One poll of a session: its pane and its visible screen.
public struct PaneSnapshot: Sendable, Equatable {
    public var pane: PaneState
    public var screen: String
}

/// Keys that are not text. Counts repeat a key with tmux's `-N`.
public enum TerminalKey: Sendable, Equatable {
    case enter, escape, tab, shiftTab, backspace, up, down, left, right
    /// Ctrl plus a letter (or one of `@[\]^_`): `ctrl("c")` is SIGINT for most programs.
    case control(Character)

    /// The tmux key name.
    public var tmuxName: String {
        switch self {
        case .enter: "Enter"
        case .escape: "Escape"
        case .tab: "Tab"
        case .shiftTab: "BTab"
        case .backspace: "BSpace"
        case .up: "Up"
        case .down: "Down"
        case .left: "Left"
        case .right: "Right"
        case .control(let character): "C-\(character.lowercased())"
        }
    }

    /// Parses the names clients use: `enter`, `escape`, `tab`, `shift_tab`, `backspace`, `key_up`/`up`,
    /// `cancel` (C-c), `kill` (C-\), `ctrl` with a letter as `ctrl_x` or `c-x`.
    public init?(name: String) {
        let lowered = name.lowercased()
        switch lowered {
        case "enter", "return", "c-m": self = .enter
        case "escape", "esc": self = .escape
        case "tab": self = .tab
        case "shift_tab", "btab", "shift-tab": self = .shiftTab
        case "backspace", "bspace": self = .backspace
        case "up", "key_up": self = .up
        case "down", "key_down": self = .down
        case "left", "key_left": self = .left
        case "right", "key_right": self = .right
        case "cancel", "interrupt": self = .control("c")
        case "kill", "quit": self = .control("\\")
        default:
            for prefix in ["ctrl_", "ctrl-", "c-"] where lowered.hasPrefix(prefix) {
                let rest = lowered.dropFirst(prefix.count)
                if rest.count == 1, let character = rest.first, character.isLetter || "@[\\]^_".contains(character) {
                    self = .control(character)
                    return
                }
            }
            return nil
        }
    }
}
