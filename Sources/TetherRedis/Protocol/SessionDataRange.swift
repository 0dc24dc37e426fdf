import TetherCore

/// `get_session_data`'s arguments (PROTOCOL.md §3): `[since] [until] [tail_chars]`.
public struct SessionDataRange: Sendable, Equatable {
    /// ISO stamps as sent; nil when absent or sent as an empty placeholder.
    public var since: String?
    public var until: String?
    /// Characters from the end of the transcript; 0 is unlimited.
    public var tailCharacters: Int

    /// What a request without a `tail_chars` gets.
    public static let defaultTailCharacters = 5000

    public init(since: String? = nil, until: String? = nil, tailCharacters: Int = defaultTailCharacters) {
        self.since = since
        self.until = until
        self.tailCharacters = tailCharacters
    }

    public var isUnlimited: Bool { tailCharacters == 0 }

    /// One argument is `tail_chars` if an integer, else `since`; two are (`since`, `tail_chars`) if
    /// the second is an integer, else (`since`, `until`); three are (`since`, `until`, `tail_chars`).
    /// `''` is an absent placeholder.
    public init(arguments: [String]) throws(RedisProtocolError) {
        func text(_ word: String) -> String? { word.isEmpty ? nil : word }
        switch arguments.count {
        case 0:
            self.init()
        case 1:
            if let count = Self.integer(arguments[0]) { self.init(tailCharacters: count) } else { self.init(since: text(arguments[0])) }
        case 2:
            if let count = Self.integer(arguments[1]) {
                self.init(since: text(arguments[0]), tailCharacters: count)
            } else {
                self.init(since: text(arguments[0]), until: text(arguments[1]))
            }
        case 3:
            let count: Int
            if arguments[2].isEmpty {
                count = Self.defaultTailCharacters
            } else if let given = Self.integer(arguments[2]) {
                count = given
            } else {
                throw RedisProtocolError(.invalidArguments, field: "get_session_data",
                                         "get_session_data's third argument is tail_chars and must be a whole number (0 = unlimited) or ''.")
            }
            self.init(since: text(arguments[0]), until: text(arguments[1]), tailCharacters: count)
        default:
            throw RedisProtocolError(.invalidArguments, field: "get_session_data",
                                     "get_session_data takes at most three arguments (since, until, tail_chars); it got \(arguments.count).")
        }
    }

    /// Always all three, placeholders as `''`, so the receiver never has to guess.
    public var arguments: [String] { [since ?? "", until ?? "", String(tailCharacters)] }

    /// A non-negative whole number in ASCII digits; beyond `Int` it saturates (a tail that large is everything).
    static func integer(_ word: String) -> Int? {
        guard !word.isEmpty, word.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int(word) ?? Int.max
    }
}
