import Foundation
import TetherCore

/// Reads the messages out of an agent's JSONL transcript, one JSON object a line.
///
/// Claude Code: `{type: "user"|"assistant", message: {id, role, content}, timestamp}` where `content`
/// is a string or blocks. Codex: `{type: "response_item", payload: {type: "message", role, content}}`.
/// Of the blocks, `text` (Codex: `input_text`, `output_text`) is the message; `tool_use` becomes one
/// line naming the tool (the call, not its input, which can be a whole file); `tool_result` and
/// `thinking` are left out (a tool's output and private reasoning, often large, are not the
/// conversation). Other entry types (summaries, snapshots, metadata), meta and side-chain entries are
/// ignored. Lines of one assistant `message.id` are one message. A line that is not a JSON object is
/// counted as malformed and skipped, except the last one when it has no newline yet (being written).
struct AgentTranscriptParser {
    private(set) var messages: [AgentTranscriptMessage] = []
    /// Lines that are not JSON objects.
    private(set) var malformed = 0
    /// Lines read as user or assistant entries (with or without text).
    private(set) var recognized = 0
    private var assistantIndex: [String: Int] = [:]

    /// The messages of `bytes`; `fromMiddle` drops the first line, which a tail read cuts.
    static func parse(_ bytes: [UInt8], fromMiddle: Bool) -> AgentTranscriptParser {
        var parser = AgentTranscriptParser()
        var lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
        if fromMiddle, !lines.isEmpty { lines.removeFirst() }
        let endsComplete = bytes.last == 0x0A
        for (index, line) in lines.enumerated() {
            guard line.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) else { continue }
            guard let entry = (try? JSONSerialization.jsonObject(with: Data(line))) as? [String: Any] else {
                if index != lines.count - 1 || endsComplete { parser.malformed += 1 }
                continue
            }
            parser.add(entry)
        }
        return parser
    }

    private mutating func add(_ entry: [String: Any]) {
        guard entry["isMeta"] as? Bool != true, entry["isSidechain"] as? Bool != true else { return }
        let message: [String: Any]
        switch entry["type"] as? String {
        case "user", "assistant":
            guard let inner = entry["message"] as? [String: Any] else { return }
            message = inner
        case "response_item":
            guard let payload = entry["payload"] as? [String: Any], payload["type"] as? String == "message" else { return }
            message = payload
        default:
            return
        }
        guard let role = ((message["role"] as? String) ?? (entry["type"] as? String)).flatMap(AgentTranscriptMessage.Role.init) else { return }
        recognized += 1
        let (text, startsInText, endsInText) = Self.text(of: message["content"])
        let id = message["id"] as? String
        if role == .assistant, let id, let index = assistantIndex[id] {
            guard !text.isEmpty else { return }
            // A streamed continuation of text goes on where it stopped; a tool call gets its own line.
            let joint = messages[index].endsInText && startsInText ? "" : "\n"
            messages[index].text += messages[index].text.isEmpty ? text : joint + text
            messages[index].endsInText = endsInText
            return
        }
        guard !text.isEmpty else { return }
        let stamp = (entry["timestamp"] as? String).flatMap(Timestamp.init(iso8601:))
        if role == .assistant, let id { assistantIndex[id] = messages.count }
        messages.append(AgentTranscriptMessage(id: id, role: role, text: text, timestamp: stamp, endsInText: endsInText))
    }

    /// The shown text of a `content` (a string, or blocks), and whether it starts and ends in text.
    static func text(of content: Any?) -> (text: String, startsInText: Bool, endsInText: Bool) {
        if let string = content as? String { return (string, true, true) }
        guard let blocks = content as? [[String: Any]] else { return ("", true, true) }
        var parts: [String] = []
        var startsInText = true, endsInText = true
        for block in blocks {
            switch block["type"] as? String {
            case "text", "input_text", "output_text":
                guard let text = block["text"] as? String, !text.isEmpty else { continue }
                parts.append(text)
                endsInText = true
            case "tool_use":
                if parts.isEmpty { startsInText = false }
                parts.append("🔧 **TOOL CALL:** \(block["name"] as? String ?? "unknown")")
                endsInText = false
            default:
                continue
            }
        }
        return (parts.joined(separator: "\n"), startsInText, endsInText)
    }
}

extension AgentTranscriptParser {
    /// Gemini CLI's session file: one JSON document `{messages: [{id, type: "user"|"gemini", content,
    /// timestamp}]}`, `content` a string or parts with `text`. Nil when `bytes` is not such a document.
    static func parseDocument(_ bytes: [UInt8]) -> AgentTranscriptParser? {
        guard let document = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any],
              let entries = document["messages"] as? [[String: Any]] else { return nil }
        var parser = AgentTranscriptParser()
        for entry in entries {
            let role: AgentTranscriptMessage.Role
            switch entry["type"] as? String {
            case "user": role = .user
            case "gemini", "model", "assistant": role = .assistant
            default: continue
            }
            parser.recognized += 1
            let text = (entry["content"] as? String)
                ?? ((entry["content"] as? [[String: Any]])?.compactMap { $0["text"] as? String }.joined(separator: "\n") ?? "")
            guard !text.isEmpty else { continue }
            let stamp = (entry["timestamp"] as? String).flatMap(Timestamp.init(iso8601:))
            parser.messages.append(AgentTranscriptMessage(id: entry["id"] as? String, role: role, text: text, timestamp: stamp))
        }
        return parser
    }
}
