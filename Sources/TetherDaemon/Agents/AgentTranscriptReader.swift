import Logging
import TetherCore

/// A session's conversation from its agent's own transcript file (the path its hooks gave), with
/// the final text of the last turn from the Stop hook when the file has not caught up.
struct AgentTranscriptReader: Sendable {
    let files: BlockingWorker
    let store: AgentTranscriptStore
    let time: TimeSource
    let logger: Logger

    /// The rendered messages of `sessionID` from the transcript at `path`; nil when the file cannot
    /// be read or holds nothing this reader knows as a transcript, so the caller shows the screen.
    func messages(sessionID: String, path: String, title: String, query: AgentTranscriptQuery) async -> String? {
        let tail: AgentTranscriptTail
        do {
            tail = try await files.run { try AgentTranscriptFileReader.read(path: path, query: query) }
        } catch {
            logger.debug("agent transcript unreadable; showing the screen", metadata: ["session.id": "\(sessionID)", "error": "\(error)"])
            return nil
        }
        if tail.malformed > 0, store.firstReport(of: path) {
            logger.warning("agent transcript has lines that are not JSON objects; they are skipped", metadata: [
                "session.id": "\(sessionID)", "transcript.path": "\(path)", "transcript.malformed_lines": "\(tail.malformed)",
            ])
        }
        let turnEnd = store.turnEnd(sessionID)
        // A file of another shape (or only entries before the first message) says nothing: the screen does.
        guard tail.recognized > 0 || (tail.malformed == 0 && turnEnd != nil) else { return nil }
        let messages = (turnEnd?.completing(tail.messages) ?? tail.messages).filter(query.admits)
        return AgentTranscriptRenderer.render(title: title, messages: messages, tailChars: query.tailChars, now: time.wallNow)
    }
}
