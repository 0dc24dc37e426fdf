/// What a tmux control-mode stream says, one framed unit at a time (see ``TmuxControlParser``).
enum TmuxControlEvent: Sendable, Equatable {
    /// A command's answer: the lines between `%begin` and its `%end` or `%error`.
    case reply(TmuxControlReply)
    /// A line outside any reply that starts with `%`.
    case notification(TmuxNotification)
    /// Bytes that break the framing; the parser skips them and goes on with the next line.
    case protocolError(TmuxControlProtocolError)
}

/// One `%begin <time> <number> <flags>` … `%end`/`%error` block.
struct TmuxControlReply: Sendable, Equatable {
    enum Outcome: Sendable, Equatable {
        /// Closed by `%end`.
        case success
        /// Closed by `%error`: the lines are tmux's message.
        case error
        /// Closed, but its body passed the parser's bound and was dropped (the framing is intact).
        case tooLarge
    }

    /// Seconds since the epoch when tmux ran the command, as tmux printed it.
    var time: Int64
    /// tmux's command number, unique per server.
    var number: UInt32
    /// 1 when the command came from this client; 0 for tmux's own (such as the initial attach).
    var flags: Int
    var lines: [String]
    var outcome: Outcome

    /// Whether the reply answers a command this client sent.
    var answersClient: Bool { flags == 1 }
}

/// A control-mode notification. Only what the client acts on is parsed; the rest is kept as text.
enum TmuxNotification: Sendable, Equatable {
    /// `%output %<pane> <data>`: the data with tmux's octal escapes decoded.
    case output(pane: String, data: [UInt8])
    /// `%exit [reason]`: the client is being detached; end of file follows.
    case exit(reason: String?)
    /// `%session-changed $<id> <name>`: the client is attached to that session.
    case sessionChanged(id: String, name: String)
    /// Any other notification: its name without the `%` and the rest of the line.
    case other(name: String, arguments: String)

    /// Parses a line that starts with `%` and is not a reply guard.
    init(line: Substring) {
        let words = line.dropFirst().split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
        let name = words.first.map(String.init) ?? ""
        let rest = words.count > 1 ? words[1] : ""
        switch name {
        case "output":
            let parts = rest.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
            self = .output(pane: String(parts.first ?? ""), data: Self.unescape(parts.count > 1 ? parts[1] : ""))
        case "exit":
            self = .exit(reason: rest.isEmpty ? nil : String(rest))
        case "session-changed":
            let parts = rest.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
            self = .sessionChanged(id: String(parts.first ?? ""), name: parts.count > 1 ? String(parts[1]) : "")
        default:
            self = .other(name: name, arguments: String(rest))
        }
    }

    /// tmux writes each byte below a space, and the backslash, as `\` and three octal digits.
    static func unescape(_ text: Substring) -> [UInt8] {
        let bytes = Array(text.utf8)
        var decoded: [UInt8] = []
        decoded.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "\\"), index + 3 < bytes.count,
               let value = octal(bytes[(index + 1)..<(index + 4)]) {
                decoded.append(value)
                index += 4
            } else {
                decoded.append(bytes[index])
                index += 1
            }
        }
        return decoded
    }

    private static func octal(_ digits: ArraySlice<UInt8>) -> UInt8? {
        var value = 0
        for digit in digits {
            guard (UInt8(ascii: "0")...UInt8(ascii: "7")).contains(digit) else { return nil }
            value = value * 8 + Int(digit - UInt8(ascii: "0"))
        }
        return value <= 255 ? UInt8(value) : nil
    }
}

/// Input the parser could not frame: what it was, and a short, content-free hint of where.
struct TmuxControlProtocolError: Sendable, Equatable, CustomStringConvertible {
    enum Kind: Sendable, Equatable {
        /// A line outside any reply that is neither a guard nor a notification.
        case unexpectedLine
        /// An `%end` or `%error` with no `%begin` open, or a `%begin` whose fields are not numbers.
        case unmatchedGuard
        /// A line outside any reply longer than the parser's bound; skipped up to its newline.
        case lineTooLong
        /// A reply whose body passed the parser's bound; it ends as ``TmuxControlReply/Outcome/tooLarge``.
        case replyTooLarge
    }

    var kind: Kind
    /// At most the first 32 bytes of the line's first word: enough to recognise it, not a screenful.
    var hint: String

    var description: String { "\(kind) (\(hint.isEmpty ? "empty line" : hint))" }

    static let hintBytes = 32

    init(_ kind: Kind, line: some Collection<UInt8>) {
        self.kind = kind
        let word = line.prefix { $0 != UInt8(ascii: " ") }.prefix(Self.hintBytes)
        hint = String(decoding: word, as: UTF8.self).debugDescription
    }
}
