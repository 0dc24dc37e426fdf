import Testing
import TetherCore

@Suite(.timeLimit(.minutes(1))) struct SessionCacheTests {
    static func session(_ index: Int, computer: String, status: SessionStatus, activity: Int64) -> Session {
        var record = SessionRecord(sessionID: "s-\(index)", computerName: computer, tmuxSessionName: "tc_\(index)",
                                   createdAt: Timestamp(microseconds: 0))
        record.status = status
        record.lastActivity = Timestamp(microseconds: activity)
        return Session(record)
    }

    /// A peer's session as its host described it at `stamp` (microseconds).
    static func remote(_ index: Int, computer: String = "peer", title: String? = nil, stamp: Int64?) -> Session {
        var record = SessionRecord(sessionID: "s-\(index)", computerName: computer, tmuxSessionName: "tc_\(index)",
                                   createdAt: Timestamp(microseconds: 0))
        record.status = .active
        record.title = title
        return Session(remote: record, hostStamp: stamp.map(Timestamp.init(microseconds:)))
    }

    /// Random upserts (peers' with random stamps, so some are refused), status moves, computer moves,
    /// local and remote removals; after each step the indexed answers equal a linear scan's, for every
    /// computer and every status, and the model follows what the cache said it did.
    @Test func indexesAgreeWithALinearScanUnderRandomOperations() {
        let clock = ManualClock()
        let cache = SessionCache(localComputer: "local", time: TimeSource(clock: clock))
        var generator = SplitMix(seed: 42)
        let computers = ["local", "peer-a", "peer-b", "peer-c"]
        var model: [String: Session] = [:]
        for step in 0..<3000 {
            let index = Int(generator.next() % 300)
            let id = "s-\(index)"
            switch generator.next() % 5 {
            case 0:
                cache.remove(sessionID: id)
                model[id] = nil
            case 1:
                let computer = model[id]?.computer ?? computers[Int(generator.next() % 4)]
                if cache.removeRemote(sessionID: id, computer: computer, hostStamp: Timestamp(microseconds: Int64(generator.next() % 1000))) {
                    model[id] = nil
                }
            default:
                let status = SessionStatus.allCases[Int(generator.next() % 5)]
                let computer = computers[Int(generator.next() % 4)]
                let local = Self.session(index, computer: computer, status: status, activity: Int64(generator.next() % 1000))
                let session = computer == "local" ? local : Session(remote: local.record, hostStamp: Timestamp(microseconds: Int64(generator.next() % 1000)))
                if cache.upsert(session) {
                    model[id] = session
                } else if let held = model[id] {
                    #expect(held.computer == "local" || SessionOrdering.stamp(of: held) > SessionOrdering.stamp(of: session),
                            "refused only behind a local session or a newer stamp")
                }
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

    // MARK: Peers' sessions, ordered by their host's stamp

    @Test func remoteUpdatesDeliveredOutOfOrderNeverGoBackwards() {
        let cache = SessionCache(localComputer: "local", time: TimeSource(clock: ManualClock()))
        #expect(cache.upsert(Self.remote(1, title: "first", stamp: 10)))
        #expect(cache.upsert(Self.remote(1, title: "third", stamp: 30)))
        // Delivered last, stamped before the one held; a higher local version does not help it.
        let late = Self.remote(1, title: "second", stamp: 20).updating { _ in }.updating { _ in }
        #expect(late.version > 1)
        #expect(!cache.upsert(late))
        #expect(cache.session("s-1")?.record.title == "third")
        #expect(cache.statistics.refusedUpdates == 1)
    }

    @Test func anEqualStampIsAcceptedAndKeepsTheEntryFresh() {
        let clock = ManualClock()
        let cache = SessionCache(localComputer: "local", time: TimeSource(clock: clock), staleAfter: .seconds(60))
        #expect(cache.upsert(Self.remote(1, title: "same", stamp: 10)))
        clock.advance(by: .seconds(50))
        #expect(cache.upsert(Self.remote(1, title: "same", stamp: 10)), "a repeat is harmless")
        clock.advance(by: .seconds(50))
        #expect(cache.session("s-1")?.record.title == "same", "the repeat refreshed it: 50 s old, not 100")
        #expect(cache.statistics.refusedUpdates == 0)
    }

    @Test func withoutAHostStampAPeersSessionIsOrderedByItsLastActivity() {
        let cache = SessionCache(localComputer: "local", time: TimeSource(clock: ManualClock()))
        var newer = Self.remote(1, stamp: nil).record
        newer.lastActivity = Timestamp(microseconds: 50)
        #expect(cache.upsert(Session(remote: newer, hostStamp: nil)))
        #expect(Session(remote: newer, hostStamp: nil).hostStamp == Timestamp(microseconds: 50))
        #expect(!cache.upsert(Self.remote(1, stamp: 40)))
        #expect(cache.upsert(Self.remote(1, stamp: 60)))
    }

    /// A peer that removed a session expects it to stay removed: an update stamped no later than the
    /// removal, arriving after it, is refused within the staleness window; a newer one is believed.
    @Test func aLateUpdateDoesNotResurrectARemovedSession() {
        let clock = ManualClock()
        let cache = SessionCache(localComputer: "local", time: TimeSource(clock: clock), staleAfter: .seconds(60))
        cache.upsert(Self.remote(1, stamp: 10))
        #expect(cache.removeRemote(sessionID: "s-1", computer: "peer", hostStamp: Timestamp(microseconds: 20)))
        #expect(cache.session("s-1") == nil)
        #expect(!cache.upsert(Self.remote(1, stamp: 15)), "stamped before the removal")
        #expect(!cache.upsert(Self.remote(1, stamp: 20)), "stamped at the removal: removal is the last word")
        #expect(cache.session("s-1") == nil)
        #expect(cache.upsert(Self.remote(1, stamp: 21)), "the host says it lives after the removal")
        #expect(cache.session("s-1") != nil)
        #expect(cache.statistics.rememberedRemovals == 0, "the newer update cleared the removal")
    }

    @Test func aRemovalThatOvertakesTheUpdateIsRememberedUntilTheWindowEnds() {
        let clock = ManualClock()
        let cache = SessionCache(localComputer: "local", time: TimeSource(clock: clock), staleAfter: .seconds(60))
        #expect(!cache.removeRemote(sessionID: "s-2", computer: "peer", hostStamp: Timestamp(microseconds: 20)), "nothing was cached")
        #expect(!cache.upsert(Self.remote(2, stamp: 10)))
        #expect(!cache.upsert(Self.remote(2, computer: "peer", stamp: 19)))
        #expect(cache.upsert(Self.remote(2, computer: "other-peer", stamp: 5)), "another host's removal does not apply")
        cache.remove(sessionID: "s-2")
        clock.advance(by: .seconds(61))
        #expect(cache.upsert(Self.remote(2, stamp: 10)), "after the window the removal is forgotten")
    }

    @Test func removalsAreRememberedUpToABound() {
        let cache = SessionCache(localComputer: "local", time: TimeSource(clock: ManualClock()), removalMemory: 4)
        for index in 0..<10 {
            cache.removeRemote(sessionID: "s-\(index)", computer: "peer", hostStamp: Timestamp(microseconds: 100))
        }
        #expect(cache.statistics.rememberedRemovals == 4)
        #expect(!cache.upsert(Self.remote(9, stamp: 50)), "the newest removals are the ones kept")
    }

    @Test func aPeerNeitherOverwritesNorRemovesALocalSessionNorAnotherPeers() {
        let cache = SessionCache(localComputer: "local", time: TimeSource(clock: ManualClock()))
        cache.upsert(Self.session(1, computer: "local", status: .active, activity: 1))
        #expect(!cache.upsert(Self.remote(1, computer: "peer", stamp: 1_000_000)), "a peer's echo of a local session")
        #expect(!cache.removeRemote(sessionID: "s-1", computer: "peer", hostStamp: Timestamp(microseconds: 1_000_000)))
        #expect(!cache.removeRemote(sessionID: "s-1", computer: "local", hostStamp: Timestamp(microseconds: 1_000_000)))
        #expect(cache.session("s-1")?.computer == "local")
        cache.upsert(Self.remote(2, computer: "peer-a", stamp: 10))
        #expect(!cache.removeRemote(sessionID: "s-2", computer: "peer-b", hostStamp: Timestamp(microseconds: 99)))
        #expect(cache.session("s-2") != nil)
        #expect(!cache.removeRemote(sessionID: "s-2", computer: "peer-a", hostStamp: Timestamp(microseconds: 9)), "older than held")
        #expect(cache.session("s-2") != nil)
    }

    @Test func aStaleEntryNoLongerHoldsBackAHostWhoseClockSteppedBack() {
        let clock = ManualClock()
        let cache = SessionCache(localComputer: "local", time: TimeSource(clock: clock), staleAfter: .seconds(60))
        cache.upsert(Self.remote(1, title: "before the step", stamp: 1_000))
        #expect(!cache.upsert(Self.remote(1, title: "after the step", stamp: 500)))
        clock.advance(by: .seconds(61))
        #expect(cache.upsert(Self.remote(1, title: "after the step", stamp: 500)))
        #expect(cache.session("s-1")?.record.title == "after the step")
    }

    @Test func localSessionsStillOrderByVersionNotByActivity() {
        let cache = SessionCache(localComputer: "local", time: TimeSource(clock: ManualClock()))
        let first = Self.session(1, computer: "local", status: .active, activity: 500)
        let second = first.updating { $0.lastActivity = Timestamp(microseconds: 100); $0.status = .idle }
        #expect(cache.upsert(second))
        #expect(!cache.upsert(first))
        #expect(cache.upsert(second), "the same version again is harmless")
        #expect(cache.session("s-1")?.status == .idle)
        #expect(second.hostStamp == nil)
    }
}
