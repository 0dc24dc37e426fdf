import Foundation
import Logging
import Synchronization
import TetherCore
#if canImport(Glibc)
import Glibc
#endif

/// The secret a session's hooks prove their session with (issue 12: "a hook naming another user's
/// session" is refused). The launcher writes it beside the hook settings, in the session's 0700
/// `tether-hooks/` directory, as `token` (mode 0600); `tether hook` reads it there (`--token-file`,
/// so the secret is never in a process's arguments, which every user can read) and sends it as
/// the `X-Tether-Hook-Token` header. Only the session's owner can read the file, so only that
/// owner's processes can report the session.
///
/// Known tokens stay in memory, one per live session (pruned when one is added); after a daemon
/// restart a session's token is read once from its file. A session without a token file (a plain
/// shell, an agent started before tokens existed) takes no hooks until its agent is restarted.
/// Tokens never appear in logs, errors or metrics.
final class AgentHookTokens: Sendable {
    /// The token file's name in `tether-hooks/`.
    static let fileName = "token"
    /// Random bytes per token (shown as twice as many hex digits).
    static let byteCount = 16

    /// Where `tether-hooks/` of a session is: `<session TMPDIR>/tether-hooks`.
    private let directory: @Sendable (String) -> String
    private let files: BlockingWorker
    private let isLive: @Sendable (String) -> Bool
    private let logger: Logger
    /// The token of each session; empty: the session has no token file (checked once).
    private let known = Mutex<[String: [UInt8]]>([:])
    /// Sessions whose current run of refused hooks is already logged (one line per run, not per hook).
    private let refusing = Mutex<Set<String>>([])

    init(directory: @escaping @Sendable (String) -> String, files: BlockingWorker, isLive: @escaping @Sendable (String) -> Bool, logger: Logger) {
        self.directory = directory
        self.files = files
        self.isLive = isLive
        self.logger = logger
    }

    /// The token file of a session's hooks in `hooksDirectory` (made if missing), keeping the
    /// session's token when it has one, so hooks of an agent still running stay valid. Blocking:
    /// the launcher calls it on the file thread.
    func issue(sessionID: String, in hooksDirectory: String) throws -> String {
        let path = hooksDirectory + "/" + Self.fileName
        let remembered = known.withLock { $0[sessionID] }.flatMap { $0.isEmpty ? nil : $0 }
        let onFile = Self.readToken(path)
        let token = remembered ?? onFile ?? Self.newToken()
        if onFile != token { try Self.writeToken(token, to: path) }
        remember(sessionID, token)
        return path
    }

    /// Throws `forbidden` unless `presented` is session `sessionID`'s token (compared in constant time).
    func verify(_ presented: String?, sessionID: String) async throws {
        var expected = known.withLock { $0[sessionID] }
        if expected == nil {
            let path = directory(sessionID) + "/" + Self.fileName
            let read = (try? await files.run { Self.readToken(path) }) ?? nil
            expected = read ?? []
            remember(sessionID, expected ?? [])
        }
        guard let expected, !expected.isEmpty, let presented, Self.constantTimeEqual(Array(presented.utf8), expected) else {
            if refusing.withLock({ $0.insert(sessionID).inserted }) {
                logger.warning("refused agent hooks whose token does not match their session; further refusals in this run are not logged",
                               metadata: ["session.id": "\(sessionID)", "token.presented": "\(presented == nil ? "none" : "wrong")"])
            }
            throw TetherError(.forbidden, "the hook's token does not match session \(sessionID): a hook may only report its own session; "
                                  + "re-create the agent's hooks with tether restart-agent \(sessionID)")
        }
        // A hook taken ends a run of refusals: the next refusal is logged again.
        _ = refusing.withLock { $0.remove(sessionID) }
    }

    private func remember(_ sessionID: String, _ token: [UInt8]) {
        known.withLock { tokens in
            if tokens[sessionID] == nil {
                for id in tokens.keys where id != sessionID && !isLive(id) { tokens[id] = nil }
            }
            tokens[sessionID] = token
        }
        refusing.withLock { ids in
            for id in ids where id != sessionID && !isLive(id) { ids.remove(id) }
        }
    }

    /// Equal length and bytes, taking the same time wherever the first difference is.
    static func constantTimeEqual(_ left: [UInt8], _ right: [UInt8]) -> Bool {
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in left.indices { difference |= left[index] ^ right[index] }
        return difference == 0
    }

    static func newToken() -> [UInt8] {
        var random = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef".utf8)
        return (0..<byteCount).flatMap { _ -> [UInt8] in
            let byte = UInt8.random(in: .min ... .max, using: &random)
            return [digits[Int(byte >> 4)], digits[Int(byte & 0xf)]]
        }
    }

    /// The token in the file at `path`, when it is a regular file holding one (32 hex digits).
    static func readToken(_ path: String) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { return nil }
        var buffer = [UInt8](repeating: 0, count: byteCount * 2 + 2)
        let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        guard count > 0 else { return nil }
        let token = Array(buffer[0..<count].prefix { $0 != UInt8(ascii: "\n") })
        let hex = Array("0123456789abcdef".utf8)
        return token.count == byteCount * 2 && token.allSatisfy(hex.contains) ? token : nil
    }

    /// Writes `token` to `path` through a new file of mode 0600 renamed over it, so a reader never
    /// sees half a token and no one but the session's owner can read it.
    static func writeToken(_ token: [UInt8], to path: String) throws {
        let partial = path + ".partial"
        unlink(partial)
        let descriptor = open(partial, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        var failure: String?
        if descriptor < 0 {
            failure = String(cString: strerror(errno))
        } else {
            let bytes = token + [UInt8(ascii: "\n")]
            let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if written != bytes.count { failure = String(cString: strerror(errno)) }
            close(descriptor)
            if failure == nil, rename(partial, path) != 0 { failure = String(cString: strerror(errno)) }
        }
        if let failure {
            unlink(partial)
            throw TetherError(.terminal, "cannot write the agent's hook token file \(path): \(failure); check that the session's TMPDIR is writable")
        }
    }
}
