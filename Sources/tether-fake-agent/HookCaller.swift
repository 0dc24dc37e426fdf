import Foundation

/// Where in a turn the fake calls hooks; each flavour names them its own way (or has none there).
enum HookPoint {
    case sessionStart, promptSubmit, preTool, permissionRequest, notification, postTool, stop, sessionEnd

    func eventName(_ flavour: Flavour) -> String? {
        switch (self, flavour) {
        case (_, .codex): nil
        case (.sessionStart, _): "SessionStart"
        case (.sessionEnd, _): "SessionEnd"
        case (.notification, _): "Notification"
        case (.promptSubmit, .claude): "UserPromptSubmit"
        case (.promptSubmit, .gemini): "BeforeAgent"
        case (.preTool, .claude): "PreToolUse"
        case (.preTool, .gemini): "BeforeTool"
        case (.permissionRequest, .claude): "PermissionRequest"
        case (.permissionRequest, .gemini): nil
        case (.postTool, .claude): "PostToolUse"
        case (.postTool, .gemini): "AfterTool"
        case (.stop, .claude): "Stop"
        case (.stop, .gemini): "AfterAgent"
        }
    }
}

/// Builds the payloads the real CLIs send and hands them to the runner: Claude and Gemini run each
/// matching command with `/bin/sh -c` and the JSON on stdin; Codex runs its `notify` program with the
/// JSON as the last argument, on turn completion only.
final class HookCaller {
    let sessionID = UUID().uuidString.lowercased()
    private let flavour: Flavour
    private let table: HookTable
    private let notifyProgram: [String]
    private let runner: HookRunner
    var transcriptPath = ""

    init(flavour: Flavour, table: HookTable, notifyProgram: [String], runner: HookRunner) {
        self.flavour = flavour
        self.table = table
        self.notifyProgram = notifyProgram
        self.runner = runner
    }

    /// Calls the hooks configured for `point` with the common fields plus `fields`.
    func fire(_ point: HookPoint, subject: String? = nil, _ fields: [String: Any] = [:]) {
        guard let event = point.eventName(flavour) else { return }
        let commands = table.commands(for: event, subject: subject)
        guard !commands.isEmpty else { return }
        var payload = fields
        payload["session_id"] = sessionID
        payload["transcript_path"] = transcriptPath
        payload["cwd"] = FileManager.default.currentDirectoryPath
        payload["hook_event_name"] = event
        switch flavour {
        case .claude: payload["permission_mode"] = "default"
        case .gemini: payload["timestamp"] = ISO8601DateFormatter().string(from: Date())
        case .codex: break
        }
        let input = Self.json(payload)
        for command in commands {
            runner.enqueue(HookRunner.Job(event: event, argv: ["/bin/sh", "-c", command], input: input))
        }
    }

    /// Codex's `notify`: `{"type": "agent-turn-complete", …}` as the program's last argument.
    func turnComplete(prompt: String, reply: String) {
        guard flavour == .codex, !notifyProgram.isEmpty else { return }
        let payload: [String: Any] = [
            "type": "agent-turn-complete",
            "thread-id": sessionID,
            "turn-id": UUID().uuidString.lowercased(),
            "cwd": FileManager.default.currentDirectoryPath,
            "input-messages": [prompt],
            "last-assistant-message": reply,
        ]
        let argument = String(decoding: Self.json(payload), as: UTF8.self)
        runner.enqueue(HookRunner.Job(event: "notify", argv: notifyProgram + [argument], input: Data()))
    }

    private static func json(_ object: [String: Any]) -> Data {
        (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
    }
}
