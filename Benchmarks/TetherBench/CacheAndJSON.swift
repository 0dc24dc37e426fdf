import Foundation
import TetherCore

enum CacheBenchmark {
    /// Query by computer for a computer that holds 10 sessions, while the total grows: the indexed
    /// query should cost the same at every size; the linear scan grows with the total.
    static func run() -> [String] {
        var lines = ["## Cache query by computer (10 sessions on the queried computer, the rest over 99 others)", "",
                     "| sessions | indexed query (median) | linear scan (median) | scan / indexed |", "|---|---|---|---|"]
        var indexedAt: [Int: Double] = [:]
        var ratioAt100k = 0.0
        for total in [100, 1_000, 10_000, 100_000] {
            let cache = SessionCache(localComputer: "computer-0", time: TimeSource(clock: ManualClock()))
            var generator = SplitMix(state: UInt64(total))
            for index in 0..<total {
                let computer = index < 10 ? "computer-0" : "computer-\(1 + Int(generator.next() % 99))"
                var record = SessionRecord(sessionID: "session-\(index)", computerName: computer, tmuxSessionName: "tc_\(index)",
                                           createdAt: Timestamp(microseconds: Int64(index)))
                record.status = index % 3 == 0 ? .idle : .active
                record.lastActivity = Timestamp(microseconds: Int64(generator.next() % 1_000_000))
                cache.upsert(Session(record))
            }
            var sink = 0
            let indexed = Measure.medianNanoseconds(iterations: 2_000) { sink &+= cache.sessions(computer: "computer-0").count }
            let scanIterations = max(3, 200_000 / total)
            let scan = Measure.medianNanoseconds(rounds: 9, iterations: scanIterations) { sink &+= cache.sessionsByLinearScan(computer: "computer-0").count }
            precondition(sink > 0)
            indexedAt[total] = indexed
            if total == 100_000 { ratioAt100k = scan / indexed }
            lines.append("| \(total) | \(Measure.format(indexed)) | \(Measure.format(scan)) | \(String(format: "%.0fx", scan / indexed)) |")
        }
        let flat = indexedAt[100_000]! / indexedAt[1_000]!
        lines.append("")
        lines.append(String(format: "Indexed query at 100,000 / at 1,000: %.2fx (goal: within 2x). Scan / indexed at 100,000: %.0fx (goal: at least 100x).", flat, ratioAt100k))
        return lines
    }
}

enum JSONBenchmark {
    /// A session's summary JSON read from its cached bytes against encoded afresh, same session.
    static func run() -> [String] {
        var record = SessionRecord(sessionID: "3f2c1a9b-5d1e-4c0a-9f3e-1b2c3d4e5f60", computerName: "MozMini",
                                   tmuxSessionName: "tc_3f2c1a9b", createdAt: Timestamp.now())
        record.title = "TeleClaude: Claude-slow@MozMini - Fix the \"auth\" flow"
        record.workingDirectory = "/home/u/TeleClaude"
        record.activeAgent = "claude"
        record.status = .active
        record.lastMessageSent = "run the tests and tell me which fail"
        record.lastFeedbackReceived = "All tests pass."
        let session = Session(record)
        _ = session.summaryJSON
        var sink = 0
        let reused = Measure.medianNanoseconds(iterations: 200_000) { sink &+= session.summaryJSON.count }
        let fresh = Measure.medianNanoseconds(iterations: 20_000) { sink &+= Session.encodeSummary(record).count }
        // A listing of 100 sessions, spliced from cached bytes against encoded one by one.
        let hundred = (0..<100).map { index in Session(record).updating { $0.sessionID = "session-\(index)" } }
        for item in hundred { _ = item.summaryJSON }
        var list = JSONWriter()
        let listReused = Measure.medianNanoseconds(iterations: 500) {
            list = JSONWriter(reservingCapacity: 40_000)
            list.beginArray()
            for item in hundred { list.raw(item.summaryJSON) }
            list.endArray()
            sink &+= list.bytes.count
        }
        let listFresh = Measure.medianNanoseconds(iterations: 200) {
            list = JSONWriter(reservingCapacity: 40_000)
            list.beginArray()
            for item in hundred { list.raw(Session.encodeSummary(item.record)) }
            list.endArray()
            sink &+= list.bytes.count
        }
        precondition(sink > 0)
        return [
            "## Session JSON: cached bytes against encoded afresh", "",
            "| what | reused (median) | encoded afresh (median) | ratio |", "|---|---|---|---|",
            "| one session summary (\(session.summaryJSON.count) bytes) | \(Measure.format(reused)) | \(Measure.format(fresh)) | \(String(format: "%.0fx", fresh / reused)) |",
            "| a listing of 100 sessions | \(Measure.format(listReused)) | \(Measure.format(listFresh)) | \(String(format: "%.1fx", listFresh / listReused)) |",
        ]
    }
}
