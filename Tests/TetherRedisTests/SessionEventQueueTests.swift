import Testing
import TetherCore
@testable import TetherRedis

@Suite(.timeLimit(.minutes(1))) struct SessionEventQueueTests {
    func item(_ id: String, title: String = "", at micros: Int64 = 1) -> SessionEventQueue.Pending {
        var record = SessionRecord(sessionID: id, computerName: "me", tmuxSessionName: "tc_\(id)", createdAt: Timestamp(microseconds: micros))
        record.title = title
        return SessionEventQueue.Pending(sessionID: id, change: .updated(Session(record)), at: Timestamp(microseconds: micros))
    }

    func titles(_ items: [SessionEventQueue.Pending]) -> [String] {
        items.map { item in
            switch item.change {
            case .updated(let session): "\(item.sessionID):\(session.record.title ?? "")"
            case .removed: "\(item.sessionID):removed"
            }
        }
    }

    @Test func theLatestChangeOfASessionWinsAndKeepsItsPlace() {
        var queue = SessionEventQueue(capacity: 10)
        #expect(queue.append(item("a", title: "1")) == .queued)
        #expect(queue.append(item("b", title: "1")) == .queued)
        #expect(queue.append(item("a", title: "2")) == .coalesced)
        #expect(queue.append(SessionEventQueue.Pending(sessionID: "b", change: .removed(sessionID: "b"), at: Timestamp(microseconds: 2))) == .coalesced)
        #expect(titles(queue.take(10)) == ["a:2", "b:removed"])
        #expect(queue.isEmpty)
    }

    @Test func aFullQueueDropsTheOldest() {
        var queue = SessionEventQueue(capacity: 2)
        _ = queue.append(item("a"))
        _ = queue.append(item("b"))
        #expect(queue.append(item("c")) == .droppedOldest)
        #expect(titles(queue.take(1)) == ["b:"])
        #expect(titles(queue.take(5)) == ["c:"])
    }

    @Test func unsentChangesGoBackFirstUnlessANewerOneArrived() {
        var queue = SessionEventQueue(capacity: 3)
        _ = queue.append(item("a", title: "1"))
        _ = queue.append(item("b", title: "1"))
        let taken = queue.take(2)
        _ = queue.append(item("b", title: "2"))
        _ = queue.append(item("c", title: "1"))
        #expect(queue.restore(taken) == 0)
        #expect(titles(queue.take(10)) == ["a:1", "b:2", "c:1"])

        _ = queue.append(item("x"))
        _ = queue.append(item("y"))
        _ = queue.append(item("z"))
        #expect(queue.restore([item("w")]) == 1, "over capacity, the oldest (the restored one) goes")
        #expect(queue.count == 3)
    }
}
