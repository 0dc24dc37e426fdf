import Foundation

/// Keys as the CLIs take them: text goes into the draft (also while working: the real ones keep it),
/// a lone Enter submits, a prompt takes a digit (or Codex's y/a/n, or Enter for the marked option).
extension AgentSession {
    func handle(_ event: InputEvent) {
        if event != .interrupt { interruptPressed = false }
        if case .prompting(_, let selected) = phase { return handleInPrompt(event, selected: selected) }
        switch event {
        case .typed(let text): draft += text
        case .pasted(let text):
            draft += text
            lastPasteEnd = .now
        case .enterWithPaste: log.event(["enter_ignored": "with_paste"])
        case .enter: enter()
        case .escape: if case .working = phase { interrupt() }
        case .backspace: if !draft.isEmpty { draft.removeLast() }
        case .interrupt:
            if case .working = phase { return interrupt() }
            // As Claude: Ctrl-C clears a draft; twice on an empty one quits.
            if !draft.isEmpty { draft = "" } else if interruptPressed { wantsExit = true } else { interruptPressed = true }
        case .endOfInput: if draft.isEmpty, case .idle = phase { wantsExit = true }
        }
    }

    private func enter() {
        if let pasted = lastPasteEnd, ContinuousClock.now - pasted < Self.enterAfterPasteGuard {
            return log.event(["enter_ignored": "after_paste"])
        }
        if case .working = phase { return log.event(["enter_ignored": "working"]) }
        if swallowLeft > 0 {
            swallowLeft -= 1
            return log.event(["enter_ignored": "swallowed"])
        }
        if draft.isEmpty { return log.event(["enter_ignored": "empty"]) }
        submit()
    }

    private func handleInPrompt(_ event: InputEvent, selected: Int) {
        switch event {
        case .typed(let text), .pasted(let text):
            for character in text {
                switch (character, flavour) {
                case ("1", _), ("y", .codex): return answer(1)
                case ("2", _), ("a", .codex): return answer(2)
                case ("3", _), ("n", .codex): return answer(3)
                default: log.event(["prompt_ignored": String(character)])
                }
            }
        case .enter, .enterWithPaste: answer(selected)
        case .escape, .interrupt: answer(3)
        case .backspace, .endOfInput: break
        }
    }
}

/// The whole screen, top to bottom: banner, transcript area, then the busy line and the input area,
/// or the prompt block in place of the input area.
extension AgentSession {
    func screenLines(width: Int) -> (lines: [String], cursorRow: Int?) {
        var lines = [banner, ""] + output
        switch phase {
        case .idle: break
        case .prompting: break  // the dialog takes the bottom: the real CLIs hide the spinner meanwhile
        case .working(let turn):
            let elapsed = ContinuousClock.now - turn.started
            let frame = Int(elapsed.components.attoseconds / 100_000_000_000_000_000)
            lines += ["", flavour.busyLine(seconds: Int(elapsed.components.seconds), frame: Int(elapsed.components.seconds) * 10 + frame)]
        }
        if case .prompting(let turn, let selected) = phase {
            return (lines + flavour.promptBlock(file: turn.file ?? "", selected: selected, diffLines: options.diffLines), nil)
        }
        let area = flavour.inputArea(draft: draft.split(separator: "\n", omittingEmptySubsequences: false).map(String.init), width: width)
        let draftRow = lines.count + (flavour == .codex ? 0 : 1)
        return (lines + area, draftRow)
    }

    private var banner: String {
        switch flavour {
        case .claude: "✻ Welcome to Claude Code (fake)"
        case .gemini: "Gemini CLI (fake)"
        case .codex: ">_ OpenAI Codex (fake)"
        }
    }
}
