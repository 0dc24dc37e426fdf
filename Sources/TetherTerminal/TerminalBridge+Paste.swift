import TetherCore

extension TerminalBridge {
    /// Pastes `text` into the session's pane as one bracketed paste, never key by key and without
    /// Enter: the text goes into a tmux buffer of its own (`set-buffer`, in chunks), then
    /// `paste-buffer -p -r -d` writes it to the pane at once, wrapped in the paste markers when the
    /// program asked for them, line ends as they are, and the buffer is deleted. What presses Enter,
    /// and when, is the caller's.
    public func pasteText(_ text: String, to name: String) async throws {
        try Self.checkText(text, for: name)
        let buffer = "tether-paste-" + name
        var commands = Self.chunks(of: text, maxBytes: Self.textChunkBytes).enumerated().map { index, chunk in
            TmuxCommand(["set-buffer", "-b", buffer] + (index == 0 ? [] : ["-a"]) + ["--", chunk])
        }
        commands.append(TmuxCommand(["paste-buffer", "-p", "-r", "-d", "-b", buffer, "-t", Self.pane(name)]))
        for (index, result) in try await execute(commands).enumerated() {
            if case .failure(let error) = result { throw Self.classify(error, command: commands[index], session: name) }
        }
    }

    /// Refuses text a terminal cannot take whole: a NUL, or more than ``maximumTextBytes``.
    public static func checkText(_ text: String, for name: String) throws {
        guard !text.utf8.contains(0) else {
            throw TetherError(.invalidRequest, "the text for \(name) contains a NUL character, which a terminal cannot receive; remove it")
        }
        guard text.utf8.count <= maximumTextBytes else {
            throw TetherError(.invalidRequest, "the text for \(name) is \(text.utf8.count) bytes; at most \(maximumTextBytes) can be sent at once")
        }
    }

    /// Takes the pane out of copy mode (or any mode), so what follows reaches the program.
    public func leaveCopyMode(_ name: String) async throws {
        let command = TmuxCommand(["if-shell", "-F", "-t", Self.pane(name), "#{pane_in_mode}", "send-keys -X -t \(Self.pane(name)) cancel"])
        for result in try await execute([command]) {
            if case .failure(let error) = result { throw Self.classify(error, command: command, session: name) }
        }
    }
}
