import ArgumentParser
import Foundation
import TetherClient
import TetherWire

/// Shared plumbing of the subcommands: calls, errors, tables.
enum CLI {
    /// A failure printed as one line on stderr, exit status 1.
    static func failure(_ message: String) -> ExitError {
        ExitError(message: message)
    }

    /// Runs a request; a client error (no daemon, no permission) or an error answer becomes one clear line.
    static func call(_ body: () throws -> HTTPResponse) throws -> HTTPResponse {
        let response: HTTPResponse
        do {
            response = try body()
        } catch let error as ClientError {
            throw ExitError(message: error.description)
        }
        guard (200..<300).contains(response.status) else {
            let message = (try? response.decode(ErrorReply.self))?.summary
            throw ExitError(message: "tetherd answered \(response.status): \(message ?? response.text)")
        }
        return response
    }

    static func call<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as ClientError {
            throw ExitError(message: error.description)
        }
    }

    /// Prints a message on stderr and exits 1 (ArgumentParser would add usage text to a plain error).
    struct ExitError: Error, CustomStringConvertible {
        let message: String
        /// Printable: a message may quote a peer's text.
        var description: String { CLI.printable(message) }
    }

    /// `text` with control characters (C0, DEL, C1: escape sequences a peer could plant in a title
    /// or a computer name) shown as `?`, so printing it cannot drive the terminal.
    static func printable(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { scalar in
            scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) ? "?" : scalar
        }))
    }

    /// The body of a successful answer as the wire type `type`.
    static func decode<T: Decodable>(_ type: T.Type, _ response: HTTPResponse) throws -> T {
        try call { try response.decode(type) }
    }

    static func printRaw(_ response: HTTPResponse) {
        print(response.text)
    }

    /// A session as the daemon lists it: its full id and, when the listing said, its computer.
    struct ResolvedSession {
        let id: String
        let computer: String?

        /// `computer=<name>` for a request about it, so the daemon sends it to its host without a
        /// lookup of its own; empty when the computer is not known.
        var computerQuery: String { computer.map { "computer=" + CLI.escape($0) } ?? "" }

        /// `path` with the computer query appended.
        func path(_ path: String) -> String {
            computerQuery.isEmpty ? path : path + (path.contains("?") ? "&" : "?") + computerQuery
        }
    }

    /// The full id of `reference`: an id, a unique prefix of a live session's id, or a tmux name,
    /// among the live sessions of every computer the daemon sees.
    static func resolve(_ reference: String, client: TetherHTTPClient) throws -> ResolvedSession {
        if reference.count == 36 { return ResolvedSession(id: reference, computer: nil) }
        let sessions = try decode([SessionSummary].self, call { try client.get("/sessions") })
        let matches = sessions.filter { $0.sessionID.hasPrefix(reference) || $0.tmuxSessionName == reference }
        switch matches.count {
        case 1: return ResolvedSession(id: matches[0].sessionID, computer: matches[0].computer)
        case 0: throw ExitError(message: "no live session matches \(reference); `tether ls` lists them (\(sessions.count) live)")
        default:
            let named = matches.map { "\($0.sessionID.prefix(12)) on \($0.computer ?? "?")" }
            throw ExitError(message: "\(reference) matches \(matches.count) sessions (\(named.joined(separator: ", "))); give more of the id")
        }
    }

    static func table(_ header: [String], _ rows: [[String]]) {
        let all = [header] + rows.map { $0.map(printable) }
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        for row in all {
            let cells = row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }
            print(cells.joined(separator: "  "))
        }
    }

    static func escape(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-_.,"))) ?? value
    }

    /// `'text'` for a POSIX shell, unless it needs no quoting.
    static func shellQuoted(_ text: String) -> String {
        let plain = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_./=:@%+,"))
        if !text.isEmpty, text.unicodeScalars.allSatisfy({ plain.contains($0) }) { return text }
        return "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// `1.25s`, or `-` when the daemon has no figure (a session outside a scope).
    static func cpu(_ seconds: Double?) -> String {
        guard let seconds else { return "-" }
        return String(format: "%.2fs", seconds)
    }

    /// `12.3M`, or `-`.
    static func bytes(_ value: Int?) -> String {
        guard let value else { return "-" }
        let bytes = Double(value)
        if bytes >= 1_073_741_824 { return String(format: "%.1fG", bytes / 1_073_741_824) }
        if bytes >= 1_048_576 { return String(format: "%.1fM", bytes / 1_048_576) }
        return String(format: "%.0fK", bytes / 1024)
    }

    /// `45.1%` of a figure, or `-`.
    static func percent(_ value: Double?) -> String {
        guard let value else { return "-" }
        return String(format: "%.1f%%", value)
    }

    /// `15.5G` of a figure in gigabytes.
    static func gigabytes(_ value: Double) -> String {
        String(format: "%.1fG", value)
    }

    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds)
        if total < 60 { return "\(total)s" }
        if total < 3600 { return "\(total / 60)m \(total % 60)s" }
        if total < 86400 { return "\(total / 3600)h \(total % 3600 / 60)m" }
        return "\(total / 86400)d \(total % 86400 / 3600)h"
    }

    /// "12s ago" from an ISO timestamp.
    static func ago(_ iso: String?) -> String {
        guard let iso else { return "-" }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        guard let date = formatter.date(from: iso) ?? ISO8601DateFormatter().date(from: iso) else { return iso }
        return duration(max(0, Date().timeIntervalSince(date))) + " ago"
    }
}
