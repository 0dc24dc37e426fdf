import Testing
@testable import TetherTerminal

/// The control client's deadline bookkeeping, driven by explicit instants: no clock, no tmux.
@Suite(.timeLimit(.minutes(1))) struct TmuxCommandQueueTests {
    @Test func repliesFillSlotsInTheOrderTheCommandsWereSent() {
        var queue = TmuxCommandQueue()
        let first = queue.send(count: 2, deadline: .seconds(5))
        let second = queue.send(count: 1, deadline: .seconds(7))
        #expect(queue.count == 3 && queue.batchCount == 2)
        #expect(queue.replyArrived() == .init(batch: first, index: 0, completesBatch: false))
        #expect(queue.replyArrived() == .init(batch: first, index: 1, completesBatch: true))
        #expect(queue.batchCount == 1)
        #expect(queue.earliestDeadline == .seconds(7), "an answered batch's deadline no longer counts")
        #expect(queue.replyArrived() == .init(batch: second, index: 0, completesBatch: true))
        #expect(queue.replyArrived() == nil, "a reply nobody asked for")
        #expect(queue.earliestDeadline == nil)
    }

    @Test func aBatchExpiresOnceAtItsDeadlineAndItsLateRepliesStillFallInPlace() {
        var queue = TmuxCommandQueue()
        let slow = queue.send(count: 2, deadline: .seconds(5))
        let quick = queue.send(count: 1, deadline: .seconds(2))
        #expect(queue.earliestDeadline == .seconds(2))
        #expect(queue.expire(at: .milliseconds(1999)) == [])
        #expect(queue.expire(at: .seconds(2)) == [quick], "due at its deadline, not after")
        #expect(queue.expire(at: .seconds(3)) == [], "reported once")
        #expect(queue.earliestDeadline == .seconds(5))
        #expect(queue.expire(at: .seconds(9)) == [slow])
        #expect(queue.earliestDeadline == nil)
        #expect(queue.replyArrived() == .init(batch: slow, index: 0, completesBatch: false))
        #expect(queue.replyArrived() == .init(batch: slow, index: 1, completesBatch: true))
        #expect(queue.replyArrived() == .init(batch: quick, index: 0, completesBatch: true))
        #expect(queue.batchCount == 0)
    }

    @Test func severalOverdueBatchesComeEarliestFirst() {
        var queue = TmuxCommandQueue()
        let late = queue.send(count: 1, deadline: .seconds(3))
        let early = queue.send(count: 1, deadline: .seconds(1))
        let same = queue.send(count: 1, deadline: .seconds(1))
        #expect(queue.expire(at: .seconds(4)) == [early, same, late])
    }

    @Test func theReaderWaitsUntilTheEarliestDeadlineAndNoLonger() {
        var queue = TmuxCommandQueue()
        #expect(queue.wait(at: .seconds(10)) == nil, "nothing waits: no deadline to watch")
        _ = queue.send(count: 1, deadline: .milliseconds(10_300))
        _ = queue.send(count: 1, deadline: .seconds(20))
        #expect(queue.wait(at: .seconds(10)) == .milliseconds(300))
        #expect(queue.wait(at: .seconds(9)) == .milliseconds(1300))
        #expect(queue.wait(at: .seconds(11)) == .zero, "overdue: look at once")
        _ = queue.expire(at: .seconds(11))
        #expect(queue.wait(at: .seconds(11)) == .seconds(9), "an expired batch is not waited for again")
    }

    @Test func removingAllReturnsTheBatchesStillWaitingAndForgetsTheirSlots() {
        var queue = TmuxCommandQueue()
        let answered = queue.send(count: 1, deadline: .seconds(1))
        let first = queue.send(count: 2, deadline: .seconds(1))
        let second = queue.send(count: 1, deadline: .seconds(1))
        #expect(queue.send(count: 0, deadline: .seconds(1)) > second, "an empty batch waits for nothing")
        #expect(queue.replyArrived()?.batch == answered)
        #expect(queue.removeAll() == [first, second])
        #expect(queue.count == 0 && queue.batchCount == 0 && queue.replyArrived() == nil)
    }
}
