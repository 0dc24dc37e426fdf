import Foundation

/// One thing the user did, as the agent CLIs tell them apart.
enum InputEvent: Equatable {
    /// Typed text for the draft; an Enter typed in the same burst is already a "\n" in it.
    case typed(String)
    /// The content of a bracketed paste, line ends made "\n".
    case pasted(String)
    /// An Enter that came in a read of its own: a submit.
    case enter
    /// An Enter in the same read as a paste: the CLIs drop it as part of the paste.
    case enterWithPaste
    case escape, backspace, interrupt, endOfInput
}

/// Turns the bytes of each `read` into events. A burst (one read) is the unit: real CLIs see a paste
/// without bracketed-paste markers as typed text and Enter, and tell it from a submit only by timing.
struct InputParser {
    private var inPaste = false
    private var pasteBytes: [UInt8] = []
    /// The start of an escape sequence cut off at the end of the last read.
    private var pending: [UInt8] = []

    private static let pasteStart = Array("\u{1B}[200~".utf8)
    private static let pasteEnd = Array("\u{1B}[201~".utf8)

    private enum Token { case text([UInt8]), enter, paste([UInt8]), key(InputEvent) }

    mutating func parse(_ read: [UInt8]) -> [InputEvent] {
        let tokens = tokenize(pending + read)
        let hasTyped = tokens.contains { if case .text = $0 { true } else { false } }
        let hasPaste = tokens.contains { if case .paste = $0 { true } else { false } } || inPaste
        var events: [InputEvent] = []
        for token in tokens {
            switch token {
            case .text(let bytes): events.append(.typed(String(decoding: bytes, as: UTF8.self)))
            case .paste(let bytes): events.append(.pasted(Self.normalized(bytes)))
            case .key(let event): events.append(event)
            case .enter:
                if hasTyped { events.append(.typed("\n")) } else { events.append(hasPaste ? .enterWithPaste : .enter) }
            }
        }
        return events
    }

    private mutating func tokenize(_ bytes: [UInt8]) -> [Token] {
        pending = []
        var tokens: [Token] = []
        var text: [UInt8] = []
        func flush() { if !text.isEmpty { tokens.append(.text(text)); text = [] } }
        var index = 0
        while index < bytes.count {
            if inPaste {
                if let end = Self.find(Self.pasteEnd, in: bytes, from: index) {
                    pasteBytes += bytes[index..<end]
                    tokens.append(.paste(pasteBytes))
                    pasteBytes = []
                    inPaste = false
                    index = end + Self.pasteEnd.count
                    continue
                }
                // Keep back what may be the start of the end marker, cut by the read.
                let keep = Self.partialSuffix(of: bytes[index...], matching: Self.pasteEnd)
                pasteBytes += bytes[index..<(bytes.count - keep)]
                pending = Array(bytes.suffix(keep))
                return tokens
            }
            let byte = bytes[index]
            switch byte {
            case 0x1B:
                flush()
                let rest = bytes[index...]
                if rest.starts(with: Self.pasteStart) { inPaste = true; index += Self.pasteStart.count; continue }
                if rest.count == 1 { tokens.append(.key(.escape)); index += 1; continue }
                if Self.pasteStart.starts(with: rest) { pending = Array(rest); return tokens }
                guard rest.dropFirst().first == UInt8(ascii: "[") else { index += 2; continue }
                // A CSI sequence (arrows, focus): skip to its final byte; wait for more if it is cut.
                guard let final = rest.dropFirst(2).firstIndex(where: { (0x40...0x7E).contains($0) }) else {
                    pending = Array(rest); return tokens
                }
                index = final + 1
                continue
            case 0x0D, 0x0A: flush(); tokens.append(.enter)
            case 0x7F, 0x08: flush(); tokens.append(.key(.backspace))
            case 0x03: flush(); tokens.append(.key(.interrupt))
            case 0x04: flush(); tokens.append(.key(.endOfInput))
            case 0x09, 0x20...: text.append(byte)
            default: break
            }
            index += 1
        }
        flush()
        return tokens
    }

    private static func normalized(_ bytes: [UInt8]) -> String {
        String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
    }

    private static func find(_ needle: [UInt8], in bytes: [UInt8], from start: Int) -> Int? {
        guard bytes.count - start >= needle.count else { return nil }
        return (start...(bytes.count - needle.count)).first { bytes[$0..<($0 + needle.count)].elementsEqual(needle) }
    }

    private static func partialSuffix(of bytes: ArraySlice<UInt8>, matching marker: [UInt8]) -> Int {
        for length in stride(from: min(marker.count - 1, bytes.count), to: 0, by: -1)
        where marker.starts(with: bytes.suffix(length)) { return length }
        return 0
    }
}
