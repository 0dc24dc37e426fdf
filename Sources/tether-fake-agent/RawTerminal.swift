#if canImport(Glibc)
import Glibc
#endif

/// The fake's terminal: stdin in raw mode (restored by `restore()`), bracketed paste on, and full-screen
/// redraws on stdout. When stdin is not a terminal (a test piping bytes) it still runs, without raw mode.
final class RawTerminal {
    private var saved = termios()
    private var isRaw = false

    /// Bracketed paste on: the marker every real agent CLI sends, and the one Tether's paste waits for.
    static let pasteOn = "\u{1B}[?2004h"
    static let pasteOff = "\u{1B}[?2004l"

    init() {
        guard isatty(0) == 1, tcgetattr(0, &saved) == 0 else { return }
        var raw = saved
        cfmakeraw(&raw)
        // Output post-processing stays on (so "\n" still returns the carriage), as Node's raw mode leaves it.
        raw.c_oflag = saved.c_oflag
        isRaw = tcsetattr(0, TCSANOW, &raw) == 0
        write(Self.pasteOn)
    }

    /// Puts the terminal back as it was: paste off, the screen below the last frame, cooked mode.
    func restore() {
        write(Self.pasteOff + "\r\n")
        if isRaw { tcsetattr(0, TCSANOW, &saved) }
        isRaw = false
    }

    /// The window size, or 80×24 when stdin is no terminal.
    var size: (columns: Int, rows: Int) {
        var window = winsize()
        guard ioctl(1, UInt(TIOCGWINSZ), &window) == 0, window.ws_col > 0, window.ws_row > 0 else { return (80, 24) }
        return (Int(window.ws_col), Int(window.ws_row))
    }

    /// Writes all of `text`, retrying short writes (a pane's pty takes a frame at once in practice).
    func write(_ text: String) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { Glibc.write(1, $0.baseAddress, $0.count) }
            if written < 0 { if errno == EINTR { continue } else { return } }
            bytes = bytes.dropFirst(written)
        }
    }

    /// Draws `lines` as the whole screen: the last `rows` of them, each cut to the width. Each row
    /// is erased whole first (`ESC[2K`), as the real CLIs' renderers do: that also drops tmux's
    /// "wrapped" mark a long command line left on the row, which would make `capture-pane -J` join
    /// the row drawn there with the next (a rule and the input prompt read as one line).
    func draw(_ lines: [String], cursorRow: Int?) {
        let (columns, rows) = size
        let visible = lines.suffix(rows)
        var frame = "\u{1B}[?25l\u{1B}[H"
        for (index, line) in visible.enumerated() {
            frame += "\u{1B}[2K" + String(line.prefix(columns)) + "\u{1B}[K" + (index < visible.count - 1 ? "\r\n" : "")
        }
        frame += "\u{1B}[J"
        if let cursorRow {
            let row = cursorRow - (lines.count - visible.count) + 1
            frame += "\u{1B}[\(max(row, 1));3H"
        }
        frame += "\u{1B}[?25h"
        write(frame)
    }
}
