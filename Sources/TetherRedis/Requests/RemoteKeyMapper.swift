import TetherCore

/// The API's key names (`enter`, `escape`, `ctrl_c`, `key_up`, …, as ``SessionCommands/sendKeys``
/// takes them) as the key commands of PROTOCOL.md §3: the reverse of what `RequestHandler.pressKey`
/// does with a peer's key command, so a key pressed through a peer arrives as the same key.
enum RemoteKeyMapper {
    /// The commands to send for `key` pressed `count` times, in order; nil for a key name the
    /// protocol has no command for.
    static func commands(for key: String, count: Int) -> [KeyPress]? {
        let count = max(1, min(count, KeyPress.maximumCount))
        if key.hasPrefix("ctrl_") {
            let letter = String(key.dropFirst("ctrl_".count))
            guard !letter.isEmpty, !letter.unicodeScalars.contains(where: ShellWords.isPythonSpace) else { return nil }
            return Array(repeating: KeyPress(.ctrl, text: letter), count: count)
        }
        guard let parsed = KeyPress.Key(rawValue: key), parsed != .ctrl, parsed != .cancel2x, parsed != .escape2x else { return nil }
        if parsed.repeats { return [KeyPress(parsed, count: count)] }
        switch parsed {
        // The double presses have commands of their own; the host maps them back to a count of 2.
        case .cancel, .escape:
            let double = KeyPress(parsed == .cancel ? .cancel2x : .escape2x)
            return Array(repeating: double, count: count / 2) + (count % 2 == 1 ? [KeyPress(parsed)] : [])
        default:
            return Array(repeating: KeyPress(parsed), count: count)
        }
    }

    /// The key names a peer understands, for an error message.
    static let knownNames = "enter, escape, tab, shift_tab, backspace, key_up, key_down, key_left, key_right, cancel, kill or ctrl_<letter>"
}
