import TetherCore

/// Screens as the agents draw them (plain text, as the poller captures them), to build cases from.
enum AgentScreenFixtures {
    static let claudeInput = ["", "────────────────────────────────────────", "> ", "────────────────────────────────────────", "  ? for shortcuts"]
    static let claudeBoxedInput = ["╭──────────────────────────────────────╮", "│ >                                    │", "╰──────────────────────────────────────╯", "  ? for shortcuts"]
    static let claudeWork = ["⏺ I'll add the line to test.txt.", ""]
    static let claudeSpinner = ["✻ Thinking… (3s · ↑ 1.2k tokens · esc to interrupt)", ""]
    static let claudeEditDialog = [
        " Edit file", " test.txt", "   1 +hello", "",
        " Do you want to make this edit to test.txt?",
        " ❯ 1. Yes",
        "   2. Yes, allow all edits during this session (shift+tab)",
        "   3. No, and tell Claude what to do differently (esc)",
    ]
    static let claudeEditChoices = [
        AgentChoice(number: 1, label: "Yes", selected: true),
        AgentChoice(number: 2, label: "Yes, allow all edits during this session (shift+tab)"),
        AgentChoice(number: 3, label: "No, and tell Claude what to do differently (esc)"),
    ]
    static let claudeBashDialog = [
        " Bash command", "   npm test", "   Run the tests", "",
        " Do you want to proceed?",
        " ❯ 1. Yes",
        "   2. Yes, and don't ask again for npm test commands in /srv/app",
        "   3. No, and tell Claude what to do differently (esc)", "",
        " Esc to cancel · Tab to amend · ctrl+e to explain",
    ]
    static let claudeBoxedDialog = [
        "╭─────────────────────────────────────────────────────────────╮",
        "│ Create file                                                 │",
        "│ Do you want to create test.txt?                             │",
        "│   1. Yes                                                    │",
        "│ ❯ 2. Yes, allow all edits during this session (shift+tab)   │",
        "│   3. No, and tell Claude what to do differently (esc)       │",
        "╰─────────────────────────────────────────────────────────────╯",
    ]
    static let claudeQuestionDialog = [
        "☐ Database", "", "Which database should the service use?", "",
        "❯ 1. SQLite", "     One file, no server to run.",
        "  2. PostgreSQL", "     A server; better for many writers.",
        "  3. Type something.", "", "Enter to select · ↑/↓ to navigate · Esc to cancel",
    ]
    static let codexDialog = [
        "  Would you like to run the following command?", "", "  $ touch test.txt", "",
        "› 1. Yes, proceed (y)",
        "  2. Yes, and don't ask again for this command (a)",
        "  3. No, and tell Codex what to do differently (esc)", "",
        "  Press enter to confirm or esc to cancel",
    ]
    static let codexInput = ["› Ask Codex to do anything", "", "  ⏎ send   ⌃J newline   ⌃T transcript   ⌃C quit"]
    static let codexSpinner = ["• Working (5s • esc to interrupt)", ""]
    static let geminiInput = ["╭──────────────────────────────────────────╮", "│ >   Type your message or @path/to/file   │",
                              "╰──────────────────────────────────────────╯", "~/project        no sandbox       gemini-2.5-pro"]
    static let geminiSpinner = ["⠏ Reticulating splines (esc to cancel, 12s)", ""]
    static let geminiDialog = [
        "╭──────────────────────────────────────╮", "│ ?  WriteFile Writing to test.txt     │", "│                                      │",
        "│ Apply this change?                   │", "│                                      │",
        "│ ● 1. Allow once                      │", "│   2. Allow for this session          │",
        "│   3. No, suggest changes (esc)       │", "│                                      │",
        "╰──────────────────────────────────────╯",
    ]
    static let history = (1...40).map { "output line \($0) of an earlier command" }
}
