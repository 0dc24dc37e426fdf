import ArgumentParser
import Foundation
import TetherClient
#if canImport(Glibc)
import Glibc
#endif

/// `tether hook <agent> <event>`: what the hooks Tether sets up for an agent CLI run. It posts the
/// event's JSON (stdin, or the last argument as Codex passes it) to the daemon and exits 0 within
/// ``HookReporter/deadline`` whatever happens (no daemon, no session, a bad payload), printing
/// nothing, so a hook never slows or breaks the agent. Argument errors too exit 0: main.swift runs
/// ``HookReporter`` before ArgumentParser sees the line; this type only documents it in `--help`.
struct Hook: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Report an agent CLI's hook event to tetherd (the hooks Tether sets up run this; it always exits 0).",
        discussion: "The session comes from --session, else $TETHER_SESSION_ID, else the id file in $TMPDIR. The daemon takes a hook only with its session's token (--token-file names the file Tether wrote for the session, or --token gives it)."
    )
    @Argument(help: "claude, gemini or codex.") var agent: String
    @Argument(help: "The agent's event name (Stop, AfterAgent, agent-turn-complete, ...).") var event: String
    @Argument(help: "The event's JSON, when the agent passes it as an argument (Codex); else stdin is read.") var payload: String?
    @Option(help: "The session the agent runs in.") var session: String?
    @Option(help: "The daemon's API socket.") var socket: String?
    @Option(help: "The session's hook token.") var token: String?
    @Option(help: "The file holding the session's hook token (tether-hooks/token in the session's TMPDIR).") var tokenFile: String?

    func run() {
        HookReporter.report(agent: agent, event: event, payload: payload, session: session, socket: socket,
                            token: token ?? tokenFile.flatMap(HookReporter.readToken))
    }
}

enum HookReporter {
    /// The most one hook call takes, reading included: agents wait for their hooks, so this is what
    /// Tether can cost an agent per event at worst; a daemon answers in milliseconds.
    static let deadline: Duration = .seconds(2)
    /// The most read from stdin: the daemon refuses more than 256 KiB, and one byte over says so.
    static let maximumPayload = (256 << 10) + 1
    /// The longest single poll(2) wait, in milliseconds: the deadline decides, this only bounds the conversion.
    static let longestPollMilliseconds: Int64 = 60_000
    /// The file in a session's TMPDIR naming its session (PROTOCOL.md §8).
    static let idFile = "teleclaude_session_id"
    /// The header the daemon reads the session's hook token from (`APIRoutes.hookTokenHeader`).
    static let tokenHeader = "X-Tether-Hook-Token"
    /// The most read of a token file: a token is 32 hex digits and a newline.
    static let maximumToken = 64

    /// Runs `tether hook ...` from the raw arguments (after `hook`); never fails.
    static func run(_ arguments: [String]) {
        var positional: [String] = []
        var session: String?
        var socket: String?
        var token: String?
        var tokenFile: String?
        var rest = arguments[...]
        while let word = rest.popFirst() {
            switch word {
            case "--session": session = rest.popFirst()
            case "--socket": socket = rest.popFirst()
            case "--token": token = rest.popFirst()
            case "--token-file": tokenFile = rest.popFirst()
            default: positional.append(word)
            }
        }
        guard positional.count >= 2 else { return }
        report(agent: positional[0], event: positional[1], payload: positional.count > 2 ? positional.last : nil, session: session, socket: socket,
               token: token ?? tokenFile.flatMap(readToken))
    }

    static func report(agent: String, event: String, payload: String?, session: String?, socket: String?, token: String?) {
        let clock = ContinuousClock()
        let end = clock.now + deadline
        let environment = ProcessInfo.processInfo.environment
        guard let id = session ?? sessionID(environment) else { return }
        let body = payload.map { Array($0.utf8) } ?? readStdin(until: end, clock: clock)
        let remaining = clock.now.duration(to: end)
        guard remaining > .zero else { return }
        let client = TetherHTTPClient(socketPath: socket ?? TetherHTTPClient.defaultSocketPath(environment: environment), timeout: remaining)
        let path = "/sessions/\(escape(id))/agent-hook?agent=\(escape(agent))&event=\(escape(event))"
        // The token goes in a header, never the path, so no access log can show it; one that
        // would break the header (a line break, a space) is not sent, and the daemon refuses the hook.
        let safe = token.flatMap { !$0.isEmpty && $0.utf8.allSatisfy { (0x21...0x7e).contains($0) } ? $0 : nil }
        let headers = safe.map { [tokenHeader: $0] } ?? [:]
        _ = try? client.request("POST", path, body: body, contentType: "application/json", extraHeaders: headers)
    }

    /// The session from the environment, else from the id file of the session's TMPDIR (an agent
    /// that strips the environment of its hooks may keep TMPDIR).
    static func sessionID(_ environment: [String: String]) -> String? {
        for key in ["TETHER_SESSION_ID", "TELECLAUDE_SESSION_ID"] {
            if let id = environment[key], !id.isEmpty { return id }
        }
        guard let tmp = environment["TMPDIR"], !tmp.isEmpty,
              let id = try? String(contentsOfFile: tmp + "/" + idFile, encoding: .utf8) else { return nil }
        let trimmed = id.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : trimmed
    }

    /// The token in the file at `path` (its first line), nil when it cannot be read: the daemon then
    /// refuses the hook and counts it. Opened without blocking and only if it is a regular file, so
    /// a FIFO there cannot hold the agent.
    static func readToken(_ path: String) -> String? {
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { return nil }
        var buffer = [UInt8](repeating: 0, count: maximumToken)
        let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        guard count > 0 else { return nil }
        return String(decoding: buffer[0..<count].prefix { $0 != UInt8(ascii: "\n") && $0 != UInt8(ascii: "\r") }, as: UTF8.self)
    }

    /// stdin up to ``maximumPayload`` or its end, waiting no later than `end`; a terminal is not read.
    static func readStdin(until end: ContinuousClock.Instant, clock: ContinuousClock) -> [UInt8] {
        guard isatty(STDIN_FILENO) == 0 else { return [] }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 << 10)
        while bytes.count < maximumPayload {
            let left = clock.now.duration(to: end)
            guard left > .zero else { break }
            var poller = pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0)
            let milliseconds = Int32(min(left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000 + 1, longestPollMilliseconds))
            guard poll(&poller, 1, milliseconds) > 0 else { break }
            let count = chunk.withUnsafeMutableBytes { read(STDIN_FILENO, $0.baseAddress, min($0.count, maximumPayload - bytes.count)) }
            if count <= 0 { break }
            bytes += chunk[0..<count]
        }
        return bytes
    }

    static func escape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? ""
    }
}
