import TetherCore

/// The words of a command in `messages:{computer}` (PROTOCOL.md §3), split as the Python daemon
/// splits them: `shlex.split` (POSIX mode, no comments), and on unbalanced quotes or a trailing
/// backslash, `str.split()` on whitespace with the quotes kept.
///
/// Works on Unicode scalars, as Python works on code points: a quote followed by a combining mark
/// is still a quote.
public enum ShellWords {
    /// The words of `text`, exactly as `shlex.split(text)` gives them, or as `text.split()` when
    /// shlex would raise.
    public static func split(_ text: String) -> [String] {
        posixWords(text) ?? whitespaceWords(text)
    }

    /// `text` as one single-quoted word that ``split(_:)`` gives back byte for byte: every `'`
    /// becomes `'\''`, the empty text `''` (§9 defect 7).
    public static func quote(_ text: String) -> String {
        var quoted = "'"
        for scalar in text.unicodeScalars {
            if scalar == "'" { quoted += "'\\''" } else { quoted.unicodeScalars.append(scalar) }
        }
        return quoted + "'"
    }

    /// The quoted words joined by single spaces: a command line's argument part.
    public static func join(quoting words: [String]) -> String {
        words.map(quote).joined(separator: " ")
    }

    /// Whitespace for shlex: exactly these four (a vertical tab or form feed is part of a word).
    static func isShlexSpace(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r"
    }

    /// Whitespace for Python's `str.split()` and `str.strip()`: what `str.isspace()` accepts.
    public static func isPythonSpace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: true
        default: false
        }
    }

    /// `text.strip()`.
    public static func pythonStrip(_ text: String) -> String {
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !isPythonSpace($0) }),
              let last = scalars.lastIndex(where: { !isPythonSpace($0) }) else { return "" }
        return String(scalars[first...last])
    }

    /// `text.split()`: runs of Python whitespace separate words; quotes stay as they are.
    static func whitespaceWords(_ text: String) -> [String] {
        text.unicodeScalars.split(whereSeparator: isPythonSpace).map { String(String.UnicodeScalarView($0)) }
    }

    private enum State { case between, word, singleQuoted, doubleQuoted, escaped(after: Escaped) }
    private enum Escaped { case word, doubleQuoted }

    /// shlex's POSIX state machine; nil where shlex raises (`No closing quotation`, `No escaped character`).
    static func posixWords(_ text: String) -> [String]? {
        var words: [String] = []
        var token = String.UnicodeScalarView()
        // A word that held quotes counts even when empty (`''`).
        var quoted = false
        var state = State.between
        func finish() {
            if !token.isEmpty || quoted { words.append(String(token)) }
            token = String.UnicodeScalarView()
            quoted = false
        }
        for scalar in text.unicodeScalars {
            switch state {
            case .between, .word:
                if isShlexSpace(scalar) {
                    if case .word = state { finish() }
                    state = .between
                } else if scalar == "\\" {
                    state = .escaped(after: .word)
                } else if scalar == "'" {
                    state = .singleQuoted
                } else if scalar == "\"" {
                    state = .doubleQuoted
                } else {
                    token.append(scalar)
                    state = .word
                }
            case .singleQuoted:
                quoted = true
                if scalar == "'" { state = .word } else { token.append(scalar) }
            case .doubleQuoted:
                quoted = true
                if scalar == "\"" {
                    state = .word
                } else if scalar == "\\" {
                    state = .escaped(after: .doubleQuoted)
                } else {
                    token.append(scalar)
                }
            case .escaped(let after):
                // Inside double quotes only `\"` and `\\` escape; any other backslash stays.
                if case .doubleQuoted = after, scalar != "\"", scalar != "\\" { token.append("\\") }
                token.append(scalar)
                state = after == .word ? .word : .doubleQuoted
            }
        }
        switch state {
        case .singleQuoted, .doubleQuoted, .escaped: return nil
        case .word: finish()
        case .between: break
        }
        return words
    }
}

/// A command's name and arguments: the first word without its leading slashes, then the rest.
public struct CommandWords: Sendable, Equatable {
    public var name: String
    public var arguments: [String]

    public init(name: String, arguments: [String] = []) {
        self.name = name
        self.arguments = arguments
    }

    /// The words of `command` (trimmed first, as the Python daemon trims it); nil when it holds none.
    /// All leading `/` go, as Python's `lstrip("/")` takes them.
    public init?(parsing command: String) {
        var words = ShellWords.split(ShellWords.pythonStrip(command))
        guard !words.isEmpty else { return nil }
        let first = words.removeFirst()
        name = String(first.unicodeScalars.drop(while: { $0 == "/" }))
        arguments = words
    }

    /// `/name 'arg' 'arg'`: every argument single-quoted, so it arrives byte for byte.
    public var commandLine: String {
        arguments.isEmpty ? "/" + name : "/" + name + " " + ShellWords.join(quoting: arguments)
    }
}
