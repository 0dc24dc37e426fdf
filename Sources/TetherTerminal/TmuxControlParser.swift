/// Frames the stdout of `tmux -C` into replies and notifications: bytes in, events out, no I/O.
///
/// tmux writes one line per `\n`. A command's answer is a block: `%begin <time> <number> <flags>`,
/// the body lines, then `%end` or `%error` with the same three fields. The body is the command's
/// output, so it may itself hold lines that start with `%begin` or `%end` (a screen that shows them);
/// only a guard that repeats the open block's fields exactly closes it, which tmux guarantees of its
/// own. Outside a block every line is a notification starting with `%`; anything else is reported as
/// a protocol error and skipped, and parsing resumes at the next line.
///
/// Over a pipe tmux ends lines with `\n` alone; through a terminal they arrive as `\r\n`. The first
/// line outside a block tells which, and a `\r\n` stream loses one `\r` per line, body included.
/// Memory is bounded: a line longer than ``maximumLineBytes`` is dropped up to its newline, and a
/// body larger than ``maximumReplyBytes`` is dropped but its block still closes, as `.tooLarge`.
struct TmuxControlParser: Sendable {
    /// The default for both bounds: a reply may be as large as a one-shot tmux's output may be
    /// (``ProcessRunner/maximumOutput``), so the control client and the fallback refuse the same things.
    static let defaultMaximumBytes = ProcessRunner.maximumOutput

    let maximumLineBytes: Int
    let maximumReplyBytes: Int

    private struct Block {
        /// `" <time> <number> <flags>"` exactly as `%begin` wrote it: what the closing guard repeats.
        let fields: [UInt8]
        let time: Int64
        let number: UInt32
        let flags: Int
        var lines: [String] = []
        var bodyBytes = 0
        var overflowed = false
    }

    private var partial: [UInt8] = []
    /// Set while the current line is over the bound: its bytes are dropped until the newline.
    private var discarding = false
    private var block: Block?
    private var crlf: Bool?

    init(maximumLineBytes: Int = defaultMaximumBytes, maximumReplyBytes: Int = defaultMaximumBytes) {
        self.maximumLineBytes = max(1, maximumLineBytes)
        self.maximumReplyBytes = max(1, maximumReplyBytes)
    }

    /// Bytes held for a line whose newline has not come; never more than ``maximumLineBytes``.
    var bufferedBytes: Int { partial.count }
    /// Whether a reply has begun and not ended.
    var isInsideReply: Bool { block != nil }

    /// Takes the next bytes of the stream, in any split, and returns what they completed.
    mutating func consume(_ bytes: some Collection<UInt8>) -> [TmuxControlEvent] {
        var events: [TmuxControlEvent] = []
        var rest = bytes[...]
        while let newline = rest.firstIndex(of: 0x0A) {
            append(rest[..<newline], &events)
            if discarding {
                discarding = false
            } else {
                handle(line: partial[...], &events)
            }
            partial.removeAll(keepingCapacity: partial.count <= Self.keptCapacity)
            rest = rest[rest.index(after: newline)...]
        }
        append(rest, &events)
        return events
    }

    /// Line storage kept between lines; a larger buffer (after a huge line) is given back.
    private static let keptCapacity = 64 << 10

    private mutating func append(_ bytes: some Collection<UInt8>, _ events: inout [TmuxControlEvent]) {
        guard !discarding, !bytes.isEmpty else { return }
        guard partial.count + bytes.count <= maximumLineBytes else {
            let start = Array(partial.prefix(TmuxControlProtocolError.hintBytes)) + Array(bytes.prefix(TmuxControlProtocolError.hintBytes))
            if block == nil {
                events.append(.protocolError(TmuxControlProtocolError(.lineTooLong, line: start)))
            } else {
                overflow(line: start, &events)
            }
            discarding = true
            partial = []
            return
        }
        partial.append(contentsOf: bytes)
    }

    private mutating func handle(line raw: ArraySlice<UInt8>, _ events: inout [TmuxControlEvent]) {
        var line = raw
        if crlf == nil, block == nil, line.first == UInt8(ascii: "%") { crlf = line.last == 0x0D }
        // Outside a block a trailing \r is never data (tmux escapes it in %output), so it always goes.
        if line.last == 0x0D, crlf == true || block == nil { line = line.dropLast() }

        if var open = block {
            if Self.closes(line, open.fields, Self.end) || Self.closes(line, open.fields, Self.error) {
                let outcome: TmuxControlReply.Outcome = open.overflowed ? .tooLarge : Self.isGuard(line, Self.end) ? .success : .error
                events.append(.reply(TmuxControlReply(time: open.time, number: open.number, flags: open.flags,
                                                      lines: open.overflowed ? [] : open.lines, outcome: outcome)))
                block = nil
                return
            }
            block = nil  // while `open` is mutated: no copy of its lines
            open.bodyBytes += line.count + 1
            if !open.overflowed, open.bodyBytes > maximumReplyBytes {
                block = open
                overflow(line: line, &events)
                return
            }
            if !open.overflowed { open.lines.append(String(decoding: line, as: UTF8.self)) }
            block = open
        } else if Self.isGuard(line, Self.begin) {
            guard let opened = Self.block(fields: line.dropFirst(Self.begin.count)) else {
                events.append(.protocolError(TmuxControlProtocolError(.unmatchedGuard, line: line)))
                return
            }
            block = opened
        } else if Self.isGuard(line, Self.end) || Self.isGuard(line, Self.error) {
            events.append(.protocolError(TmuxControlProtocolError(.unmatchedGuard, line: line)))
        } else if line.first == UInt8(ascii: "%") {
            events.append(.notification(TmuxNotification(line: Substring(decoding: line, as: UTF8.self))))
        } else {
            events.append(.protocolError(TmuxControlProtocolError(.unexpectedLine, line: line)))
        }
    }

    /// Drops the open block's body (once) and reports it; the block still waits for its guard.
    private mutating func overflow(line: some Collection<UInt8>, _ events: inout [TmuxControlEvent]) {
        guard var open = block, !open.overflowed else { return }
        open.overflowed = true
        open.lines = []
        block = open
        events.append(.protocolError(TmuxControlProtocolError(.replyTooLarge, line: line)))
    }

    private static let begin = Array("%begin".utf8)
    private static let end = Array("%end".utf8)
    private static let error = Array("%error".utf8)

    /// Whether `line` is the guard `name`, alone or followed by a space.
    private static func isGuard(_ line: ArraySlice<UInt8>, _ name: [UInt8]) -> Bool {
        line.starts(with: name) && (line.count == name.count || line[line.startIndex + name.count] == UInt8(ascii: " "))
    }

    /// Whether `line` is the guard `name` followed by exactly the open block's fields.
    private static func closes(_ line: ArraySlice<UInt8>, _ fields: [UInt8], _ name: [UInt8]) -> Bool {
        line.count == name.count + fields.count && line.starts(with: name) && line.dropFirst(name.count).elementsEqual(fields)
    }

    /// A block from `" <time> <number> <flags>"`, or nil unless those are exactly three numbers.
    private static func block(fields: ArraySlice<UInt8>) -> Block? {
        let words = fields.dropFirst().split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
        guard words.count == 3,
              let time = Int64(String(decoding: words[0], as: UTF8.self)),
              let number = UInt32(String(decoding: words[1], as: UTF8.self)),
              let flags = Int(String(decoding: words[2], as: UTF8.self)) else { return nil }
        return Block(fields: Array(fields), time: time, number: number, flags: flags)
    }
}
