import Foundation
import TetherCore
#if canImport(Glibc)
import Glibc
#endif

/// What a client asks of a transcript (PROTOCOL.md §3 `get_session_data`): messages from `since`
/// to `until` (inclusive), the last `tailChars` characters of the rendered text (0: all).
struct AgentTranscriptQuery: Sendable, Equatable {
    var since: Timestamp?
    var until: Timestamp?
    var tailChars: Int

    func admits(_ message: AgentTranscriptMessage) -> Bool {
        guard since != nil || until != nil else { return true }
        guard let stamp = message.timestamp else { return false }
        return (since.map { stamp >= $0 } ?? true) && (until.map { stamp <= $0 } ?? true)
    }
}

/// The messages read from the end of a transcript file, and how much of the file that took.
struct AgentTranscriptTail: Sendable {
    var messages: [AgentTranscriptMessage]
    var malformed: Int
    /// Entries read as user or assistant (zero: the file is not a transcript this reader knows).
    var recognized: Int
    var bytesRead: Int
    var fileSize: UInt64
}

/// Reads the end of a transcript file, never the whole of a large one: a window from the end, grown
/// until it holds what the query needs (enough text for `tailChars`, or a message older than
/// `since`), the start of the file, or ``maximumBytes``. Blocking: call it on a `BlockingWorker`.
enum AgentTranscriptFileReader {
    /// The most of a transcript read for one request: far more than the few thousand characters a
    /// client asks for, while a transcript grown to hundreds of megabytes is never read into memory;
    /// older messages than this window holds are not shown.
    static let maximumBytes = 4 << 20
    /// The first window read: a few typical turns, so a default request (5,000 characters) reads once.
    static let initialWindowBytes = 64 << 10
    /// A message's header and spacing in the rendered text, for estimating when a window is enough.
    static let renderedOverheadPerMessage = 40

    static func read(path: String, query: AgentTranscriptQuery, maximumBytes: Int = maximumBytes) throws -> AgentTranscriptTail {
        let handle = try openRegularFile(path)
        defer { try? handle.close() }
        let size = try handle.seekToEnd()
        var window = min(maximumBytes, query.tailChars > 0 || query.since != nil ? max(initialWindowBytes, query.tailChars * 4) : maximumBytes)
        while true {
            let start = size > UInt64(window) ? size - UInt64(window) : 0
            try handle.seek(toOffset: start)
            let bytes = [UInt8](try handle.read(upToCount: Int(size - start)) ?? Data())
            var parsed = AgentTranscriptParser.parse(bytes, fromMiddle: start > 0)
            if parsed.recognized == 0, start == 0, let document = AgentTranscriptParser.parseDocument(bytes) { parsed = document }
            if start == 0 || window >= maximumBytes || isEnough(parsed.messages, query) {
                return AgentTranscriptTail(messages: parsed.messages, malformed: parsed.malformed, recognized: parsed.recognized,
                                           bytesRead: bytes.count, fileSize: size)
            }
            window = min(maximumBytes, window * 4)
        }
    }

    /// `path` opened for reading, if it is a regular file. The path comes from a hook payload, so
    /// it may name a FIFO or a device: opening without O_NONBLOCK, or reading one, would hold the
    /// shared file thread (and the /proc reads queued behind it) for good.
    static func openRegularFile(_ path: String) throws -> FileHandle {
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else {
            let reason = String(cString: strerror(errno))
            throw TetherError(.notFound, "cannot open the agent transcript \(path): \(reason)")
        }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
            close(descriptor)
            throw TetherError(.invalidRequest, "the agent transcript \(path) is not a regular file; a hook's transcript_path must name the agent's JSONL file")
        }
        return FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
    }

    /// Whether `messages` (read from the end) already cover the query: one older than `since`, or
    /// more text than `tailChars` shows.
    static func isEnough(_ messages: [AgentTranscriptMessage], _ query: AgentTranscriptQuery) -> Bool {
        if let since = query.since, let first = messages.first?.timestamp, first < since { return true }
        guard query.tailChars > 0 else { return false }
        let shown = messages.filter(query.admits).reduce(0) { $0 + $1.text.count + renderedOverheadPerMessage }
        return shown > query.tailChars
    }
}
