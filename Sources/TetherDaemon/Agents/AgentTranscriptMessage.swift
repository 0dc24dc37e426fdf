import Foundation
import TetherCore

/// One message of an agent's conversation as Tether shows it: who spoke, the text, and when.
struct AgentTranscriptMessage: Sendable, Equatable {
    enum Role: String, Sendable { case user, assistant }

    /// The agent's message id (Claude's `message.id`); the lines of one streamed message share it.
    var id: String?
    var role: Role
    var text: String
    /// When the first line of the message was written; nil when the entry carried no readable time.
    var timestamp: Timestamp?
    /// Whether the text ends in a text block, so a streamed continuation is joined without a break.
    var endsInText = true
}

/// The end of an agent's turn as its Stop hook told it: the final text, and when the hook arrived.
struct AgentTurnEnd: Sendable, Equatable {
    var text: String
    var at: Timestamp

    /// `messages` with the turn's final text from the hook when the file lags behind it: the file's
    /// last assistant message of the latest turn is completed (a streamed message cut short) or the
    /// text is added; nothing changes when the file has it already, or when a later turn began in the
    /// file after the hook (the hook's text is then an old turn's).
    func completing(_ messages: [AgentTranscriptMessage]) -> [AgentTranscriptMessage] {
        let final = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !final.isEmpty else { return messages }
        let lastUser = messages.lastIndex { $0.role == .user }
        if let lastUser, let started = messages[lastUser].timestamp, started > at { return messages }
        var result = messages
        if let last = result.indices.last, last > (lastUser ?? -1), result[last].role == .assistant {
            let written = result[last].text.trimmingCharacters(in: .whitespacesAndNewlines)
            if written.contains(final) { return messages }
            if final.hasPrefix(written) {
                result[last].text = text
                return result
            }
        }
        result.append(AgentTranscriptMessage(id: nil, role: .assistant, text: text, timestamp: at))
        return result
    }
}
