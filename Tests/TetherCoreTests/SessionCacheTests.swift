import Testing
import TetherCore

@Suite struct SessionCacheTests {
    static func session(_ index: Int, computer: String, status: SessionStatus, activity: Int64) -> Session {
        var record = SessionRecord(sessionID: "s-\(index)", computerName: computer, tmuxSessionName: "tc_\(index)",
                                   createdAt: Timestamp(microseconds: 0))
        record.status = status
        record.lastActivity = Timestamp(microseconds: activity)
        return Session(record)
    }

    /// Random upserts, status moves, computer moves and removals; after each step the indexed answers
    /// equal a linear scan's, for every computer and every status.
    @Test func indexesAgreeWithALinearScanUnderRandomOperations() {
        let clock = ManualClock()
        let cache = SessionCache(localComputer: "local", time: TimeSource(clock: clock))
        var generator = SplitMix(seed: 42)
        let computers = ["local", "peer-a", "peer-b", "peer-c"]
        var model: [String: Session] = [:]
        for step in 0..<3000 {
            let index = Int(generator.next() % 300)
            let id = "s-\(index)"
            switch generator.next() % 4 {
            case 0:
                cache.remove(sessionID: id)
                model[id] = nil
            default:
                let status = SessionStatus.allCases[Int(generator.next() % 5)]
                let computer = computers[Int(generator.next() % 4)]
                let session = Self.session(index, computer: computer, status: status, activity: Int64(generator.next() % 1000))
                cache.upsert(session)
                model[id] = session
            }
            if step % 50 == 0 {
                for computer in computers {
                    #expect(cache.sessions(computer: computer).map(\.id) == cache.sessionsByLinearScan(computer: computer).map(\.id))
                    let expected = Set(model.values.filter { $0.computer == computer }.map(\.id))
                    #expect(Set(cache.sessions(computer: computer).map(\.id)) == expected)
                    let live = Set(SessionStatus.allCases.filter(\.isLive))
                    #expect(cache.sessions(computer: computer, statuses: live).map(\.id)
                        == cache.sessionsByLinearScan(computer: computer, statuses: live).map(\.id))
                }
                for status in SessionStatus.allCases {
                    #expect(Set(cache.sessions(statuses: [status]).map(\.id)) == Set(model.values.filter { $0.status == status }.map(\.id)))
                }
            }
        }
        #expect(cache.statistics.sessions == model.count)
    }

    @Test func remoteEntriesGoStaleOnTheInjectedClockAndLocalOnesDoNot() async {
        let clock = ManualClock()
        let cache = SessionCache(localComputer: "local", time: TimeSource(clock: clock), staleAfter: .seconds(60))
        cache.upsert(Self.session(1, computer: "local", status: .active, activity: 1))
        cache.upsert(Self.session(2, computer: "peer", status: .active, activity: 2))
        #expect(cache.session("s-2") != nil)
        clock.advance(by: .seconds(61))
        #expect(cache.session("s-2") == nil)
        #expect(cache.session("s-1") != nil)
        #expect(cache.sessions(computer: "peer").isEmpty)
        #expect(cache.sessions(statuses: [.active]).map(\.id) == ["s-1"])
        let stats = cache.statistics
        #expect(stats.hits == 2 && stats.misses == 1)
        cache.upsert(Self.session(2, computer: "peer", status: .active, activity: 2))
        #expect(cache.session("s-2") != nil, "a fresh update makes it current again")
    }

    @Test func olderVersionsNeverReplaceNewerOnes() {
        let cache = SessionCache(localComputer: "local", time: TimeSource(clock: ManualClock()))
        let first = Self.session(1, computer: "local", status: .active, activity: 1)
        let second = first.updating { $0.status = .idle }
        cache.upsert(second)
        cache.upsert(first)
        #expect(cache.session("s-1")?.status == .idle)
        #expect(cache.sessions(statuses: [.active]).isEmpty)
    }

    @Test func aSlowSubscriberLosesOldChangesInsteadOfBlockingWriters() async {
        let cache = SessionCache(localComputer: "local", time: TimeSource(clock: ManualClock()), changeBufferSize: 4)
        let changes = cache.changes()
        for index in 0..<100 {
            cache.upsert(Self.session(index, computer: "local", status: .active, activity: Int64(index)))
        }
        #expect(cache.statistics.droppedChanges == 96)
        var seen: [String] = []
        for await change in changes {
            if case .sessionUpdated(let session) = change { seen.append(session.id) }
            if seen.count == 4 { break }
        }
        #expect(seen == ["s-96", "s-97", "s-98", "s-99"], "the newest changes are kept")
    }
}
