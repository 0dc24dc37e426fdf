import Foundation
import Synchronization
import TetherClient

/// Issue 12's "the agent is never slowed by more than the hook's bound" as a figure: the `tether
/// hook` process an agent runs, spawn to exit, alone and while a paced storm of direct hook posts
/// (1,000 a second, good and malformed) runs against the same daemon.
extension AgentBenchmark {
    /// The storm's rate, the slices it is paced in and the threads sending it.
    static let stormRate = 1_000
    static let stormSlice: Duration = .milliseconds(100)
    static let stormThreads = 4
    /// The longest the storm may run, should the hook runs stall: it bounds the senders' loops.
    static let stormLongest: Duration = .seconds(120)
    /// `tether hook` runs per condition.
    static let hookRuns = 100
    /// Between two hook runs, so they land at different points of the storm's slices.
    static let hookGapMicroseconds: UInt32 = 37_000

    /// A daemon whose `claude` is `true` (the session takes hooks; nothing draws on its screen), one
    /// session started with it, and the session's hook token file once it is written.
    static func hookedSession() throws -> (daemon: DaemonUnderTest, id: String, tokenFile: String) {
        let daemon = try DaemonUnderTest(binary: "tetherd", configuration: "agents: {claude: {command: \"true\"}}")
        let created = try daemon.client.send("POST", "/sessions", json: ["computer": "bench", "project_dir": daemon.root + "/home", "agent": "claude"])
        guard let id = (try created.json() as? [String: Any])?["session_id"] as? String else { throw ClientError("create: \(created.text)") }
        let tokenFile = daemon.root + "/home/.teleclaude/tmp/sessions/\(id)/tether-hooks/token"
        let ready = ContinuousClock.now + .seconds(30)
        while !FileManager.default.fileExists(atPath: tokenFile) {
            guard ContinuousClock.now < ready else { throw ClientError("the session's hook token never appeared at \(tokenFile)") }
            usleep(20_000)
        }
        return (daemon, id, tokenFile)
    }

    static func hookUnderStorm(directory: String) throws -> [String] {
        let (daemon, id, tokenFile) = try hookedSession()
        defer { daemon.stop() }
        let token = try String(contentsOfFile: tokenFile, encoding: .utf8).trimmingCharacters(in: .newlines)
        let hook = [directory + "/tether", "hook", "claude", "PreToolUse", "--session", id, "--socket", daemon.socket, "--token-file", tokenFile,
                    #"{"hook_event_name":"PreToolUse","tool_name":"Bash"}"#]
        func timedRuns() -> [Double] {
            (0..<hookRuns).map { _ in
                usleep(hookGapMicroseconds)
                let started = ContinuousClock.now
                run(hook)
                return milliseconds(started.duration(to: .now))
            }
        }

        let quiet = timedRuns()
        let stop = Atomic<Bool>(false)
        let sent = Atomic<Int>(0)
        let finished = Atomic<Int>(0)
        let start = ContinuousClock.now + stormSlice
        for worker in 0..<stormThreads {
            let thread = Thread { storm(worker, socket: daemon.socket, session: id, token: token, start: start, stop: stop, sent: sent); finished.add(1, ordering: .relaxed) }
            thread.start()
        }
        let stormy = timedRuns()
        let rate = Double(sent.load(ordering: .relaxed)) / (milliseconds(start.duration(to: .now)) / 1000)
        stop.store(true, ordering: .relaxed)
        while finished.load(ordering: .relaxed) < stormThreads { usleep(10_000) }
        return ["### `tether hook` (spawn to exit, the agent's cost per event), alone and during a storm of direct hook posts, \(hookRuns) runs each", "",
                "| condition | p50 | p99 | max | n |", "|---|---|---|---|---|",
                "| no storm " + row(quiet),
                String(format: "| storm aimed at %d a second (%.0f a second achieved, 4 threads, good and malformed) ", stormRate, rate) + row(stormy), ""]
    }

    /// One storm thread: `stormRate × stormSlice / stormThreads` posts when each slice begins, until
    /// `stop` (or ``stormLongest``); a thread that falls behind sends on without sleeping.
    static func storm(_ worker: Int, socket: String, session: String, token: String, start: ContinuousClock.Instant, stop: borrowing Atomic<Bool>, sent: borrowing Atomic<Int>) {
        let client = TetherHTTPClient(socketPath: socket, timeout: .seconds(10))
        let kinds = [("PreToolUse", #"{"hook_event_name":"PreToolUse","tool_name":"Bash"}"#), ("PostToolUse", #"{"hook_event_name":"PostToolUse"}"#),
                     ("PreToolUse", "{broken")]
        let share = Int(Double(stormRate) * (stormSlice / .seconds(1))) / stormThreads
        for slice in 0..<Int(stormLongest / stormSlice) where !stop.load(ordering: .relaxed) {
            let wait = ContinuousClock.now.duration(to: start + stormSlice * slice)
            if wait > .zero { usleep(UInt32(milliseconds(wait) * 1000)) }
            for index in 0..<share {
                let (event, body) = kinds[(slice * share + index + worker) % kinds.count]
                _ = try? client.request("POST", "/sessions/\(session)/agent-hook?agent=claude&event=\(event)", body: Array(body.utf8),
                                        contentType: "application/json", extraHeaders: ["X-Tether-Hook-Token": token])
                sent.add(1, ordering: .relaxed)
            }
        }
    }
}
