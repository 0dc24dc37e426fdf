import Foundation

/// A Claude-style JSONL transcript: one entry per line, `type` `user` or `assistant`,
/// `message: {id, role, content: [{type: "text", text}]}`, `timestamp`, `sessionId`, `uuid`, `parentUuid`, `cwd`.
/// With `split`, an assistant message goes over two lines with the same `message.id`, as Claude writes
/// a message's content blocks as they stream.
final class TranscriptWriter {
    let path: String
    private let sessionID: String
    private let split: Bool
    private var lastUUID: String?
    private let formatter = ISO8601DateFormatter()

    init(path: String?, sessionID: String, split: Bool) {
        let directory = (ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp") + "/tether-fake-agent"
        self.path = path ?? "\(directory)/\(sessionID).jsonl"
        self.sessionID = sessionID
        self.split = split
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        try? FileManager.default.createDirectory(atPath: (self.path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        if !FileManager.default.fileExists(atPath: self.path) { _ = FileManager.default.createFile(atPath: self.path, contents: nil) }
    }

    func user(_ text: String) {
        append(type: "user", messageID: "msg_" + Self.shortID(), texts: [text])
    }

    func assistant(_ text: String) {
        let messageID = "msg_" + Self.shortID()
        guard split, text.count > 1 else { return append(type: "assistant", messageID: messageID, texts: [text]) }
        let middle = text.index(text.startIndex, offsetBy: text.count / 2)
        append(type: "assistant", messageID: messageID, texts: [String(text[..<middle])])
        append(type: "assistant", messageID: messageID, texts: [String(text[middle...])])
    }

    private func append(type: String, messageID: String, texts: [String]) {
        let uuid = UUID().uuidString.lowercased()
        let entry: [String: Any] = [
            "type": type,
            "uuid": uuid,
            "parentUuid": lastUUID ?? NSNull(),
            "sessionId": sessionID,
            "cwd": FileManager.default.currentDirectoryPath,
            "timestamp": formatter.string(from: Date()),
            "message": [
                "id": messageID,
                "role": type,
                "content": texts.map { ["type": "text", "text": $0] },
            ] as [String: Any],
        ]
        lastUUID = uuid
        guard let data = try? JSONSerialization.data(withJSONObject: entry, options: [.sortedKeys, .withoutEscapingSlashes]),
              let handle = FileHandle(forWritingAtPath: path) else { return }
        handle.seekToEndOfFile()
        handle.write(data + Data("\n".utf8))
        try? handle.close()
    }

    private static func shortID() -> String { String(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(24)).lowercased() }
}
