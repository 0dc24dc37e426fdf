import Testing
@testable import TetherTerminal

/// The control-mode framing, fed the bytes tmux 3.3a really writes (captured from `tmux -C` over a
/// pipe) and worse.
@Suite(.timeLimit(.minutes(1))) struct TmuxControlParserTests {
    /// Three replies, tmux's own attach block and two notifications, as tmux writes them.
    static let session = """
        %begin 1796055019 263 1
        a\r b
        %end 1796055019 263 1
        %begin 1796055019 264 1
        hold: 1 windows (created Mon Nov 30 16:10:19 2026)
        %end 1796055019 264 1
        %begin 1796055019 265 1
        parse error: unknown command: bogus-cmd
        %error 1796055019 265 1
        %begin 1796055019 267 0
        %end 1796055019 267 0
        %session-changed $0 hold
        %exit

        """

    static let sessionEvents: [TmuxControlEvent] = [
        .reply(TmuxControlReply(time: 1796055019, number: 263, flags: 1, lines: ["a\r b"], outcome: .success)),
        .reply(TmuxControlReply(time: 1796055019, number: 264, flags: 1, lines: ["hold: 1 windows (created Mon Nov 30 16:10:19 2026)"], outcome: .success)),
        .reply(TmuxControlReply(time: 1796055019, number: 265, flags: 1, lines: ["parse error: unknown command: bogus-cmd"], outcome: .error)),
        .reply(TmuxControlReply(time: 1796055019, number: 267, flags: 0, lines: [], outcome: .success)),
        .notification(.sessionChanged(id: "$0", name: "hold")),
        .notification(.exit(reason: nil)),
    ]

    static func parse(_ text: String, into parser: inout TmuxControlParser) -> [TmuxControlEvent] {
        parser.consume(Array(text.utf8))
    }

    static func parse(_ text: String) -> [TmuxControlEvent] {
        var parser = TmuxControlParser()
        return parse(text, into: &parser)
    }

    @Test func repliesNotificationsAndErrorsAsTmuxWritesThem() {
        #expect(Self.parse(Self.session) == Self.sessionEvents)
        #expect(Self.sessionEvents.compactMap { if case .reply(let reply) = $0 { reply.answersClient } else { nil } } == [true, true, true, false])
    }

    @Test func aReplySplitAtEveryByteBoundaryParsesTheSame() {
        let bytes = Array(Self.session.utf8)
        for split in 0...bytes.count {
            var parser = TmuxControlParser()
            let events = parser.consume(bytes[..<split]) + parser.consume(bytes[split...])
            #expect(events == Self.sessionEvents, "split at byte \(split)")
            #expect(parser.bufferedBytes == 0 && !parser.isInsideReply)
        }
        var parser = TmuxControlParser()
        #expect(bytes.flatMap { parser.consume([$0]) } == Self.sessionEvents, "one byte per read")
    }

    @Test func guardLinesInsideABodyEndItOnlyWhenTheyRepeatTheOpenGuardExactly() {
        let body = [
            "%end 1796055019 300 1 ",  // a trailing space: not the guard
            "%end 1796055019 300 0",  // other flags
            "%end 1796055019 301 1",  // other number
            "%end 1796055020 300 1",  // other time
            "%error 1796055019 299 1",
            "%begin 1796055019 300 1",
            "%end",
            "%exit",
            "%output %1 hello",
        ]
        let text = "%begin 1796055019 300 1\n" + body.joined(separator: "\n") + "\n%end 1796055019 300 1\n"
        #expect(Self.parse(text) == [.reply(TmuxControlReply(time: 1796055019, number: 300, flags: 1, lines: body, outcome: .success))])
        let failed = "%begin 5 7 1\n%end 5 7 0\n%error 5 7 1\n"
        #expect(Self.parse(failed) == [.reply(TmuxControlReply(time: 5, number: 7, flags: 1, lines: ["%end 5 7 0"], outcome: .error))])
    }

    @Test func notificationsBetweenRepliesAreReportedInOrder() {
        let text = """
            %sessions-changed
            %begin 1 10 1
            one
            %end 1 10 1
            %output %3 a\\033[1mb\\015\\012\\134c
            %window-add @4
            %begin 1 11 1
            %end 1 11 1
            %exit server exited unexpectedly

            """
        #expect(Self.parse(text) == [
            .notification(.other(name: "sessions-changed", arguments: "")),
            .reply(TmuxControlReply(time: 1, number: 10, flags: 1, lines: ["one"], outcome: .success)),
            .notification(.output(pane: "%3", data: Array("a\u{1B}[1mb\r\n\\c".utf8))),
            .notification(.other(name: "window-add", arguments: "@4")),
            .reply(TmuxControlReply(time: 1, number: 11, flags: 1, lines: [], outcome: .success)),
            .notification(.exit(reason: "server exited unexpectedly")),
        ])
    }

    @Test func aCRLFStreamParsesLikeTheLFOneAndAnLFStreamKeepsItsCarriageReturns() {
        // Through a terminal every \n arrives as \r\n; the \r tmux itself wrote stays.
        let crlf = Self.session.replacingOccurrences(of: "\n", with: "\r\n")
        #expect(Self.parse(crlf) == Self.sessionEvents)
        let lf = "%begin 1 2 1\nends in a carriage return\r\n%end 1 2 1\n"
        #expect(Self.parse(lf) == [.reply(TmuxControlReply(time: 1, number: 2, flags: 1, lines: ["ends in a carriage return\r"], outcome: .success))])
    }

    @Test func garbageOutsideARepliesIsReportedAndSkippedAndTheNextReplyStillArrives() {
        let text = "hello\n\n%end 1 2 1\n%error 1 2 1\n%begin 1 x 1\n%begin 1 2\n%begin\n\u{FF}\u{00}%\n%begin 9 9 1\nok\n%end 9 9 1\n"
        let events = Self.parse(text)
        #expect(events.dropLast() == [
            .protocolError(TmuxControlProtocolError(.unexpectedLine, line: Array("hello".utf8))),
            .protocolError(TmuxControlProtocolError(.unexpectedLine, line: [])),
            .protocolError(TmuxControlProtocolError(.unmatchedGuard, line: Array("%end".utf8))),
            .protocolError(TmuxControlProtocolError(.unmatchedGuard, line: Array("%error".utf8))),
            .protocolError(TmuxControlProtocolError(.unmatchedGuard, line: Array("%begin".utf8))),
            .protocolError(TmuxControlProtocolError(.unmatchedGuard, line: Array("%begin".utf8))),
            .protocolError(TmuxControlProtocolError(.unmatchedGuard, line: Array("%begin".utf8))),
            .protocolError(TmuxControlProtocolError(.unexpectedLine, line: Array("\u{FF}\u{00}%".utf8))),
        ])
        #expect(events.last == .reply(TmuxControlReply(time: 9, number: 9, flags: 1, lines: ["ok"], outcome: .success)))
        #expect("\(TmuxControlProtocolError(.unexpectedLine, line: Array("secret word and more".utf8)))" == "unexpectedLine (\"secret\")",
                "the hint is the first word, not the line")
    }

    @Test func truncatedInputYieldsNothingUntilItIsComplete() {
        var parser = TmuxControlParser()
        #expect(Self.parse("%begin 1 2 1\nfirst line\nsecond li", into: &parser) == [])
        #expect(parser.isInsideReply && parser.bufferedBytes == "second li".utf8.count)
        #expect(Self.parse("ne\n%end 1 2", into: &parser) == [])
        #expect(Self.parse(" 1\n", into: &parser) == [.reply(TmuxControlReply(time: 1, number: 2, flags: 1, lines: ["first line", "second line"], outcome: .success))])
        #expect(!parser.isInsideReply && parser.bufferedBytes == 0)
    }

    @Test func anOverLongLineIsDroppedAtTheBoundAndParsingResumesAfterIt() {
        var parser = TmuxControlParser(maximumLineBytes: 64, maximumReplyBytes: 1024)
        let long = "%output %1 " + String(repeating: "x", count: 100)
        // Reported as soon as it passes the bound, before its newline has come.
        #expect(Self.parse(long, into: &parser) == [.protocolError(TmuxControlProtocolError(.lineTooLong, line: Array("%output".utf8)))])
        #expect(parser.bufferedBytes == 0)
        #expect(Self.parse(String(repeating: "y", count: 1000), into: &parser) == [], "reported once per line")
        #expect(parser.bufferedBytes == 0)
        #expect(Self.parse("\n%begin 1 2 1\nfits\n%end 1 2 1\n", into: &parser) == [
            .reply(TmuxControlReply(time: 1, number: 2, flags: 1, lines: ["fits"], outcome: .success)),
        ])
    }

    @Test func aReplyOverItsBoundKeepsItsFramingAndEndsAsTooLarge() {
        var parser = TmuxControlParser(maximumLineBytes: 64, maximumReplyBytes: 100)
        let longLine = "%begin 1 2 1\n" + String(repeating: "z", count: 65) + "\n%end 1 2 1\n"
        #expect(Self.parse(longLine, into: &parser) == [
            .protocolError(TmuxControlProtocolError(.replyTooLarge, line: Array(String(repeating: "z", count: 32).utf8))),
            .reply(TmuxControlReply(time: 1, number: 2, flags: 1, lines: [], outcome: .tooLarge)),
        ])
        let manyLines = "%begin 1 3 1\n" + String(repeating: "0123456789\n", count: 20) + "%end 1 3 1\n%begin 1 4 1\nnext\n%end 1 4 1\n"
        let events = Self.parse(manyLines, into: &parser)
        #expect(events.count == 3)
        #expect(events[1] == .reply(TmuxControlReply(time: 1, number: 3, flags: 1, lines: [], outcome: .tooLarge)))
        #expect(events[2] == .reply(TmuxControlReply(time: 1, number: 4, flags: 1, lines: ["next"], outcome: .success)))
    }
}
