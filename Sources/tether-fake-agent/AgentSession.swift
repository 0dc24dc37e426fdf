import Foundation

/// The fake agent's state: the draft, the transcript area, and a turn's course from submit through an
/// optional permission prompt to its end. Input arrives through `handle(_:)` (AgentSession+Input),
/// time through `tick()`; neither ever waits.
final class AgentSession {
    struct Turn {
        let prompt: String
        let started: ContinuousClock.Instant
        /// The file a permission prompt asks about, when the prompt carried the trigger.
        let file: String?
        var asked = false
        var due: ContinuousClock.Instant
    }
    enum Phase { case idle, working(Turn), prompting(Turn, selected: Int) }

    let options: FakeAgentOptions
    let log: AgentLog
    let hooks: HookCaller
    let transcript: TranscriptWriter
    var phase = Phase.idle
    var draft = ""
    var output: [String] = []
    var lastPasteEnd: ContinuousClock.Instant?
    var swallowLeft: Int
    var wantsExit = false
    var interruptPressed = false
    /// Assistant entries held back by `--transcript-lag-ms`, with when to write them.
    private var lagging: [(text: String, due: ContinuousClock.Instant)] = []

    /// The CLIs drop an Enter this soon after a paste ends: it is taken as the paste's own line end.
    static let enterAfterPasteGuard: Duration = .milliseconds(40)

    init(options: FakeAgentOptions, log: AgentLog, hooks: HookCaller, transcript: TranscriptWriter) {
        self.options = options
        self.log = log
        self.hooks = hooks
        self.transcript = transcript
        swallowLeft = options.swallowEnters
    }

    var flavour: Flavour { options.flavour }
    var hasTimers: Bool { if case .idle = phase { !lagging.isEmpty } else { true } }

    func submit() {
        let text = draft
        draft = ""
        log.event(["submit": text])
        if text.trimmingCharacters(in: .whitespacesAndNewlines) == "/exit" { wantsExit = true; return }
        output += text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            .map { $0.offset == 0 ? flavour.userLine(String($0.element)) : "  " + $0.element }
        transcript.user(text)
        hooks.fire(.promptSubmit, ["prompt": text])
        let now = ContinuousClock.now
        let file = text.contains(options.promptTrigger) ? Self.fileName(after: options.promptTrigger, in: text) : nil
        phase = .working(Turn(prompt: text, started: now, file: file, due: now + (file == nil ? options.workTime : options.workTime / 2)))
    }

    func tick() {
        let now = ContinuousClock.now
        while let first = lagging.first, first.due <= now {
            transcript.assistant(first.text)
            lagging.removeFirst()
        }
        guard case .working(let turn) = phase, turn.due <= now else { return }
        if turn.file != nil, !turn.asked { ask(turn) } else { finish(turn) }
    }

    private func ask(_ turn: Turn) {
        phase = .prompting(turn, selected: 1)
        let input = toolInput(turn)
        hooks.fire(.preTool, subject: flavour.editToolName, ["tool_name": flavour.editToolName, "tool_input": input, "tool_use_id": "toolu_fake"])
        hooks.fire(.permissionRequest, subject: flavour.editToolName, ["tool_name": flavour.editToolName, "tool_input": input])
        switch flavour {
        case .claude: hooks.fire(.notification, subject: "permission_prompt", [
            "notification_type": "permission_prompt", "message": "Claude needs your permission to use \(flavour.editToolName)"])
        case .gemini: hooks.fire(.notification, subject: "ToolPermission", [
            "notification_type": "ToolPermission", "message": "Tool \(flavour.editToolName) requires editing",
            "details": ["type": "edit", "fileName": turn.file ?? ""]])
        case .codex: break
        }
    }

    /// The user's choice in a prompt: 1 and 2 allow (the turn goes on), 3 refuses (the turn ends, no Stop).
    func answer(_ choice: Int) {
        guard case .prompting(var turn, _) = phase else { return }
        log.event(["answer": choice, "flavour": flavour.rawValue])
        guard choice != 3 else { return interrupt() }
        hooks.fire(.postTool, subject: flavour.editToolName, ["tool_name": flavour.editToolName, "tool_input": toolInput(turn),
                                                             "tool_response": ["filePath": turn.file ?? "", "success": true]])
        output.append(flavour.replyPrefix + "Update(\(turn.file ?? ""))")
        turn.asked = true
        turn.due = .now + options.workTime / 2
        phase = .working(turn)
    }

    /// Esc while working (or No in a prompt): the turn ends without a Stop hook, as in the real CLIs.
    func interrupt() {
        switch phase {
        case .working(let turn), .prompting(let turn, _): log.event(["interrupt": turn.prompt])
        case .idle: return
        }
        output.append(flavour.interruptedLine)
        transcript.user("[Request interrupted by user]")
        phase = .idle
    }

    private func finish(_ turn: Turn) {
        let reply = options.reply ?? (turn.prompt.contains(options.listTrigger)
            ? "Here are the choices:\n1. Yes\n2. Yes, allow all edits during this session\n3. No"
            : "Done: " + String(turn.prompt.split(separator: "\n").first?.prefix(60) ?? ""))
        output += reply.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            .map { ($0.offset == 0 ? flavour.replyPrefix : "  ") + $0.element }
        phase = .idle
        if options.transcriptLag > .zero { lagging.append((reply, .now + options.transcriptLag)) } else { transcript.assistant(reply) }
        log.event(["turn_end": turn.prompt, "stop_hook": !options.noStopHook])
        guard !options.noStopHook else { return }
        switch flavour {
        case .claude: hooks.fire(.stop, ["stop_hook_active": false, "last_assistant_message": reply])
        case .gemini: hooks.fire(.stop, ["stop_hook_active": false, "prompt": turn.prompt, "prompt_response": reply])
        case .codex: hooks.turnComplete(prompt: turn.prompt, reply: reply)
        }
    }

    private func toolInput(_ turn: Turn) -> [String: Any] {
        ["file_path": FileManager.default.currentDirectoryPath + "/" + (turn.file ?? ""), "old_string": "", "new_string": "hello from the fake agent"]
    }

    /// The word after the trigger (`EDIT notes.md` → `notes.md`), else `test.txt`.
    private static func fileName(after trigger: String, in text: String) -> String {
        guard let range = text.range(of: trigger) else { return "test.txt" }
        let word = text[range.upperBound...].drop { $0 == " " }.prefix { !$0.isWhitespace }
        return word.isEmpty ? "test.txt" : String(word)
    }
}
