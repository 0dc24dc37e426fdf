import Testing
@testable import TetherRedis

/// Seeded SplitMix64, so a failing random case can be replayed from its seed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Words compared as bytes: Swift's `==` on strings is canonical equivalence, the wire is bytes.
func bytes(_ words: [String]) -> [[UInt8]] { words.map { Array($0.utf8) } }

@Suite(.timeLimit(.minutes(1))) struct ShellWordsTests {
    /// Each input with what Python gives for it: `shlex.split(s)`, or `s.split()` where shlex raises
    /// (the expectations were produced by CPython 3's shlex and pasted here).
    static let pythonCases: [(String, [String])] = [
        ("", []),
        ("   ", []),
        ("a", ["a"]),
        ("a b", ["a", "b"]),
        ("  a   b  ", ["a", "b"]),
        ("a\u{9}b\u{a}c\u{d}d", ["a", "b", "c", "d"]),
        ("a\u{b}b\u{c}c", ["a\u{b}b\u{c}c"]),
        ("'a b'", ["a b"]),
        ("\"a b\"", ["a b"]),
        ("''", [""]),
        ("\"\"", [""]),
        ("a '' b", ["a", "", "b"]),
        ("'' ''", ["", ""]),
        ("a''b", ["ab"]),
        ("a\"\"b", ["ab"]),
        ("'it'\\''s'", ["it's"]),
        ("\"it's\"", ["it's"]),
        ("'say \"hi\"'", ["say \"hi\""]),
        ("\"say \\\"hi\\\"\"", ["say \"hi\""]),
        ("\"back\\\\slash\"", ["back\\slash"]),
        ("\"keep \\n and \\t and \\$x\"", ["keep \\n and \\t and \\$x"]),
        ("\\'", ["'"]),
        ("\\\"", ["\""]),
        ("a\\ b", ["a b"]),
        ("\\\\", ["\\"]),
        ("a\\nb", ["anb"]),
        ("#comment here", ["#comment", "here"]),
        ("a #b", ["a", "#b"]),
        ("x#y", ["x#y"]),
        ("'unbalanced", ["'unbalanced"]),
        ("\"unbalanced", ["\"unbalanced"]),
        ("a 'b c", ["a", "'b", "c"]),
        ("trailing\\", ["trailing\\"]),
        ("it's broken", ["it's", "broken"]),
        ("he said \"hi", ["he", "said", "\"hi"]),
        ("/message 'hello   world'", ["/message", "hello   world"]),
        ("/cd TC WORKDIR", ["/cd", "TC", "WORKDIR"]),
        ("'a'\"b\"c", ["abc"]),
        ("\"a'b\"", ["a'b"]),
        ("'\\'", ["\\"]),
        ("\"\\a\\b\"", ["\\a\\b"]),
        ("\\\u{a}", ["\u{a}"]),
        ("'multi\u{a}line'", ["multi\u{a}line"]),
        ("été 'ca\u{301}fe\u{301}'", ["été", "ca\u{301}fe\u{301}"]),
        ("a\u{a0}b", ["a\u{a0}b"]),
        ("a\u{3000}b 'x", ["a", "b", "'x"]),
        ("\u{2028} 'é", ["'é"]),
        ("emoji 🎉 '🎉 x'", ["emoji", "🎉", "🎉 x"]),
        ("'\u{0}nul'", ["\u{0}nul"]),
        ("a\\é", ["aé"]),
        ("'x\u{301}'y", ["x\u{301}y"]),
        ("\"\\\\\\\"\"", ["\\\""]),
        ("'a b' \"c d\" e\\ f", ["a b", "c d", "e f"]),
        ("--flag=\"a b\" -m 'x y'", ["--flag=a b", "-m", "x y"]),
    ]

    @Test func splitsAsPythonShlexDoesWithTheDaemonsFallback() {
        for (input, expected) in Self.pythonCases {
            #expect(bytes(ShellWords.split(input)) == bytes(expected), "input: \(input.debugDescription)")
        }
    }

    @Test func quotingSingleQuotesEveryWord() {
        #expect(ShellWords.quote("") == "''")
        #expect(ShellWords.quote("plain") == "'plain'")
        #expect(ShellWords.quote("it's") == "'it'\\''s'")
        #expect(ShellWords.join(quoting: ["a b", "", "c"]) == "'a b' '' 'c'")
    }

    @Test func theNameLosesItsLeadingSlashesAndTheTextIsTrimmedFirst() throws {
        let words = try #require(CommandWords(parsing: "  \u{a0}/message 'hello   world'\n"))
        #expect(words == CommandWords(name: "message", arguments: ["hello   world"]))
        // Python's `lstrip("/")` takes every leading slash.
        #expect(CommandWords(parsing: "//list_sessions")?.name == "list_sessions")
        #expect(CommandWords(parsing: "list_sessions")?.name == "list_sessions")
        #expect(CommandWords(parsing: " \t\n") == nil)
        #expect(CommandWords(name: "cd", arguments: ["/tmp/a b"]).commandLine == "/cd '/tmp/a b'")
        #expect(CommandWords(name: "list_sessions").commandLine == "/list_sessions")
    }

    static let roundTripIterations = 400
    static let maximumWords = 6
    static let maximumScalarsPerWord = 24

    /// Scalars that stress the quoting: quotes, backslashes, every kind of space, controls, NUL,
    /// combining marks, emoji, and anything else from the Unicode range.
    static func randomScalar(_ random: inout SeededGenerator) -> Unicode.Scalar {
        let tricky: [Unicode.Scalar] = ["'", "\"", "\\", " ", "\t", "\n", "\r", "\u{0B}", "\u{0C}", "\u{00}", "\u{85}", "\u{A0}",
                                        "\u{2028}", "\u{3000}", "\u{301}", "#", "/", "$", "`", "🎉", "é", "*"]
        if Bool.random(using: &random) { return tricky.randomElement(using: &random)! }
        while true {
            let value = UInt32.random(in: 0...(Bool.random(using: &random) ? 0x7F : 0x10FFFF), using: &random)
            if let scalar = Unicode.Scalar(value) { return scalar }
        }
    }

    @Test(arguments: [0xC0DE_0001, 0xC0DE_0002] as [UInt64])
    func quotedWordsComeBackByteForByte(seed: UInt64) {
        var random = SeededGenerator(state: seed)
        for _ in 0..<Self.roundTripIterations {
            let arguments = (0..<Int.random(in: 0...Self.maximumWords, using: &random)).map { _ in
                var word = String.UnicodeScalarView()
                for _ in 0..<Int.random(in: 0...Self.maximumScalarsPerWord, using: &random) { word.append(Self.randomScalar(&random)) }
                return String(word)
            }
            let line = CommandWords(name: "message", arguments: arguments).commandLine
            let parsed = CommandWords(parsing: line)
            #expect(parsed?.name == "message")
            #expect(bytes(parsed?.arguments ?? ["<nil>"]) == bytes(arguments), "line: \(line.debugDescription)")
            // The message handler's join then gives the one text exactly.
            if arguments.count == 1, case .message(let text)? = try? PeerCommand(parsing: line) {
                #expect(Array(text.utf8) == Array(arguments[0].utf8))
            }
        }
    }
}
