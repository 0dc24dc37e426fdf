import Foundation
#if canImport(Glibc)
import Glibc
#endif

// tether-fake-agent: plays Claude Code, Gemini CLI or Codex CLI in a terminal for Tether's tests.
// One thread, one poll loop: stdin, a frame timer, and the blocked signals (TERM, HUP, INT, WINCH)
// taken with sigtimedwait after each wake-up, so no handler and no shared state.

/// How often the screen is redrawn while a turn runs (busy seconds, spinner) or a hook is pending.
let frameInterval: Int32 = 100
/// How soon a signal is noticed when idle: a quarter second is quick for a test's kill and costs nothing.
let idleWake: Int32 = 250

let options: FakeAgentOptions
do {
    options = try FakeAgentOptions.parse(CommandLine.arguments)
} catch {
    FileHandle.standardError.write(Data("tether-fake-agent: \(error)\n".utf8))
    exit(2)
}
let log = AgentLog(bytesPath: options.logPath, eventsPath: options.eventsPath)
var hookEnvironment = ProcessInfo.processInfo.environment
if options.stripHookEnvironment {
    // As Gemini may: the hook sees only the basics, so the session is found by its TMPDIR marker instead.
    hookEnvironment = hookEnvironment.filter { ["PATH", "HOME", "TMPDIR"].contains($0.key) }
}
hookEnvironment[options.flavour == .gemini ? "GEMINI_PROJECT_DIR" : "CLAUDE_PROJECT_DIR"] = FileManager.default.currentDirectoryPath
let runner = HookRunner(timeout: options.hookTimeout, environment: hookEnvironment, log: log)
let table: HookTable
do {
    table = try HookTable.read(path: HookTable.settingsPath(options.flavour, options: options))
} catch {
    log.event(["settings_error": "\(error)"])
    table = HookTable()
}
let hooks = HookCaller(flavour: options.flavour, table: table, notifyProgram: options.notifyProgram, runner: runner)
let transcript = TranscriptWriter(path: options.transcriptPath, sessionID: hooks.sessionID, split: options.splitAssistant)
hooks.transcriptPath = transcript.path
let session = AgentSession(options: options, log: log, hooks: hooks, transcript: transcript)
log.event(["start": [
    "flavour": options.flavour.rawValue, "session_id": hooks.sessionID, "transcript_path": transcript.path,
    "pid": Int(getpid()), "ignored_arguments": options.ignored,
] as [String: Any]])

var signals = sigset_t()
sigemptyset(&signals)
for number in [SIGTERM, SIGHUP, SIGINT, SIGWINCH] { sigaddset(&signals, number) }
sigprocmask(SIG_BLOCK, &signals, nil)

let terminal = RawTerminal()
hooks.fire(.sessionStart, subject: "startup", ["source": "startup"])

let redraw = {
    let (lines, cursor) = session.screenLines(width: terminal.size.columns)
    terminal.draw(lines, cursorRow: cursor)
}

var parser = InputParser()
var buffer = [UInt8](repeating: 0, count: 65536)
var reason = "exit"
redraw()
while !session.wantsExit {
    var descriptor = pollfd(fd: 0, events: Int16(POLLIN), revents: 0)
    let ready = poll(&descriptor, 1, session.hasTimers || runner.isBusy ? frameInterval : idleWake)
    if ready < 0, errno != EINTR { reason = "poll failed"; break }
    var zero = timespec()
    let caught = sigtimedwait(&signals, nil, &zero)
    if caught > 0, caught != SIGWINCH { reason = "signal \(caught)"; break }
    if descriptor.revents & Int16(POLLIN | POLLHUP) != 0 {
        let count = read(0, &buffer, buffer.count)
        if count <= 0 { reason = "end of input"; break }
        let bytes = Array(buffer[0..<count])
        log.read(bytes)
        for event in parser.parse(bytes) where !session.wantsExit { session.handle(event) }
    }
    session.tick()
    runner.poll()
    redraw()
}
terminal.restore()
hooks.fire(.sessionEnd, ["reason": reason == "exit" ? "prompt_input_exit" : "other"])
runner.drain()
log.event(["exit": reason])
exit(0)
