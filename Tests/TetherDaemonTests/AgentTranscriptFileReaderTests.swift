import Foundation
import Logging
import Testing
import TetherCore
@testable import TetherDaemon

/// Transcript files on disk: the window read from the end, `since`/`until`/`tail_chars`, a huge file
/// of which only the tail is read, and the reader with the Stop hook's text and the screen fallback.
@Suite(.timeLimit(.minutes(2)))
struct AgentTranscriptFileReaderTests {
    let path = NSTemporaryDirectory() + "tether-transcript-\(UUID().uuidString).jsonl"

    func write(_ lines: [String]) {
        _ = FileManager.default.createFile(atPath: path, contents: Data((lines.joined(separator: "\n") + "\n").utf8))
    }

    /// A turn per minute: `prompt N` at :00 of minute N, `answer N` split over two lines at :30.
    func turns(_ count: Int) -> [String] {
        (0..<count).flatMap { n in
            let minute = String(format: "%02d", n)
            return [transcriptLine("user", "prompt \(n)", at: "2026-11-30T10:\(minute):00Z"),
                    transcriptLine("assistant", id: "m\(n)", [["type": "text", "text": "ans"]], at: "2026-11-30T10:\(minute):30Z"),
                    transcriptLine("assistant", id: "m\(n)", [["type": "text", "text": "wer \(n)"]], at: "2026-11-30T10:\(minute):31Z")]
        }
    }

    @Test func sinceUntilAndTailCharsChooseTheMessages() throws {
        defer { try? FileManager.default.removeItem(atPath: path) }
        write(turns(10))
        let query = AgentTranscriptQuery(since: stamp("2026-11-30T10:03:00Z"), until: stamp("2026-11-30T10:05:00Z"), tailChars: 0)
        let tail = try AgentTranscriptFileReader.read(path: path, query: query)
        #expect(tail.messages.filter(query.admits).map(\.text) == ["prompt 3", "answer 3", "prompt 4", "answer 4", "prompt 5"])
        let all = try AgentTranscriptFileReader.read(path: path, query: AgentTranscriptQuery(tailChars: 0))
        #expect(all.messages.count == 20 && all.bytesRead == Int(all.fileSize))
        let text = AgentTranscriptRenderer.render(title: "t", messages: all.messages, tailChars: 80, now: stamp("2026-11-30T12:00:00Z"))
        #expect(text.hasPrefix("[...truncated, showing last 80 chars...]\n\n## 10:09:00 · 👤 User") && text.hasSuffix("answer 9"), "\(text)")
    }

    @Test func sinceAndUntilAreISOTimesOrRefusedNamingTheArgument() throws {
        #expect(try TranscriptReader.time("2026-11-30T10:03:00Z", named: "since") == stamp("2026-11-30T10:03:00Z"))
        #expect(try TranscriptReader.time("", named: "since") == nil && TranscriptReader.time(nil, named: "until") == nil)
        #expect { try TranscriptReader.time("yesterday", named: "until") } throws: { "\($0)".contains("until 'yesterday' is not an ISO 8601 time") }
    }

    @Test func aHugeFileHasOnlyItsTailRead() throws {
        defer { try? FileManager.default.removeItem(atPath: path) }
        // A sparse gigabyte of NULs, then a few turns: reading it whole would take a gigabyte.
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.truncate(atOffset: 1 << 30)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(("\n" + turns(3).joined(separator: "\n") + "\n").utf8))
        try handle.close()
        let short = try AgentTranscriptFileReader.read(path: path, query: AgentTranscriptQuery(tailChars: 100))
        #expect(short.bytesRead == AgentTranscriptFileReader.initialWindowBytes, "a short tail: one first window")
        #expect(short.messages.map(\.text).suffix(2) == ["prompt 2", "answer 2"] && short.malformed <= 1)
        let everything = try AgentTranscriptFileReader.read(path: path, query: AgentTranscriptQuery(tailChars: 0))
        #expect(everything.bytesRead == AgentTranscriptFileReader.maximumBytes && everything.fileSize > 1 << 30)
        #expect(everything.messages.count == 6)
    }

    @Test func theReaderJoinsTheFileAndTheStopHookAndFallsBackOnOtherFiles() async throws {
        defer { try? FileManager.default.removeItem(atPath: path) }
        let worker = BlockingWorker(name: "transcript-test")
        let clock = ManualClock()
        let time = TimeSource(clock: clock, wallOrigin: stamp("2026-11-30T10:05:00Z"))
        let store = AgentTranscriptStore(time: time)
        let reader = AgentTranscriptReader(files: worker, store: store, time: time, logger: Logger(label: "test"))
        let query = AgentTranscriptQuery(tailChars: 0)

        write([transcriptLine("user", "go", at: "2026-11-30T10:04:00Z"), "garbage", transcriptLine("assistant", id: "a", [["type": "text", "text": "Work"]])])
        store.turnEnded("s1", text: "Working on it: done.")
        let text = try #require(await reader.messages(sessionID: "s1", path: path, title: "T", query: query))
        #expect(text.hasSuffix("## 10:04:00 · 👤 User\n\ngo\n\n## 🤖 Assistant\n\nWorking on it: done."), "\(text)")
        #expect(store.firstReport(of: path) == false, "the malformed line was reported once already")
        #expect(await reader.messages(sessionID: "s2", path: path, title: "T", query: query)?.hasSuffix("\nWork") == true, "no hook text for s2")

        write(["plain text output", "more text"])
        #expect(await reader.messages(sessionID: "s1", path: path, title: "T", query: query) == nil, "not a transcript: the screen")
        #expect(await reader.messages(sessionID: "s1", path: path + ".missing", title: "T", query: query) == nil)
        await worker.stop()
    }
}

extension AgentTranscriptFileReaderTests {
    /// A hook's `transcript_path` naming a FIFO with no writer: refused at once, never a read that
    /// holds the file thread.
    @Test func aFIFOIsRefusedAtOnceNamingThePath() throws {
        let fifo = NSTemporaryDirectory() + "tether-fifo-\(UUID().uuidString)"
        #expect(mkfifo(fifo, 0o600) == 0)
        defer { unlink(fifo) }
        let started = ContinuousClock.now
        #expect {
            try AgentTranscriptFileReader.read(path: fifo, query: AgentTranscriptQuery(tailChars: 0))
        } throws: { error in
            (error as? TetherError)?.message.contains("\(fifo) is not a regular file") == true
        }
        #expect(ContinuousClock.now - started < .seconds(1))
    }
}
