import TetherCore

/// A key command (PROTOCOL.md §3): the key, and what it carries.
public struct KeyPress: Sendable, Equatable {
    public enum Key: String, Sendable, CaseIterable {
        case cancel, cancel2x, kill, tab, enter, ctrl, escape, escape2x
        case shiftTab = "shift_tab", backspace
        case keyUp = "key_up", keyDown = "key_down", keyLeft = "key_left", keyRight = "key_right"

        /// Keys that take a repeat count.
        public var repeats: Bool {
            switch self {
            case .shiftTab, .backspace, .keyUp, .keyDown, .keyLeft, .keyRight: true
            default: false
            }
        }
    }

    public var key: Key
    /// Times to press it (1 for keys without a count).
    public var count: Int
    /// `ctrl`'s key (`c` for Ctrl-C), or the text `escape` types and enters after the ESC.
    public var text: String?

    public init(_ key: Key, count: Int = 1, text: String? = nil) {
        self.key = key
        self.count = count
        self.text = text
    }

    /// The most presses one command may ask for: a screen's worth of arrows or deletions is far
    /// below it, while a typo of a huge number cannot keep tmux busy for minutes.
    public static let maximumCount = 500

    /// Reads the arguments of `key`'s command.
    init(_ key: Key, arguments: [String]) throws(RedisProtocolError) {
        switch key {
        case .ctrl:
            guard let letter = arguments.first, !letter.isEmpty else {
                throw RedisProtocolError(.invalidArguments, field: "ctrl", "ctrl needs the key to press with Ctrl, as in 'ctrl c'.")
            }
            self.init(key, text: letter)
        case .escape, .escape2x:
            let text = arguments.joined(separator: " ")
            self.init(key, text: text.isEmpty ? nil : text)
        case _ where key.repeats:
            guard let word = arguments.first, !word.isEmpty else { self.init(key); return }
            guard let count = Int(word), word.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), (1...Self.maximumCount).contains(count) else {
                throw RedisProtocolError(.invalidArguments, field: key.rawValue,
                                         "\(key.rawValue) takes a repeat count from 1 to \(Self.maximumCount); send a whole number or none.")
            }
            self.init(key, count: count)
        default:
            self.init(key)
        }
    }

    /// The arguments that give this press back.
    var arguments: [String] {
        switch key {
        case .ctrl, .escape, .escape2x: text.map { [$0] } ?? []
        case _ where key.repeats: count == 1 ? [] : [String(count)]
        default: []
        }
    }
}
