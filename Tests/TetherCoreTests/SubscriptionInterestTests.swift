import Testing
import TetherCore

@Suite(.timeLimit(.minutes(1))) struct SubscriptionInterestTests {
    @Test func theUnionFollowsEverySubscribeUnsubscribeAndDisconnect() {
        let interest = SubscriptionInterest()
        #expect(interest.topics.isEmpty && interest.heartbeatTopics.isEmpty, "no clients: nothing, and interested_in is omitted")
        interest.update(subscriber: 1, topics: ["sessions"])
        interest.update(subscriber: 2, topics: ["sessions", "preparation"])
        #expect(interest.heartbeatTopics == ["preparation", "sessions"])
        #expect(interest.wants("sessions") && !interest.wants("todos"))

        interest.update(subscriber: 2, topics: ["sessions"])
        #expect(interest.topics == ["sessions"], "an unsubscribe is seen at once")
        interest.remove(subscriber: 1)
        #expect(interest.topics == ["sessions"], "a non-last client leaving keeps what others still want")
        interest.remove(subscriber: 2)
        #expect(interest.topics.isEmpty, "the last client leaving clears it")
    }

    @Test func theChangeCountMovesOnlyWhenTheUnionDoes() {
        let interest = SubscriptionInterest()
        interest.update(subscriber: 1, topics: ["sessions"])
        let afterFirst = interest.changeCount
        interest.update(subscriber: 2, topics: ["sessions"])
        #expect(interest.changeCount == afterFirst, "a second client with the same topic changes nothing")
        interest.remove(subscriber: 7)
        #expect(interest.changeCount == afterFirst, "an unknown subscriber leaving changes nothing")
        interest.update(subscriber: 2, topics: [])
        interest.remove(subscriber: 1)
        #expect(interest.changeCount == afterFirst + 1 && interest.topics.isEmpty)
    }

    @Test func concurrentReportsLeaveAConsistentUnion() async {
        let interest = SubscriptionInterest()
        await withTaskGroup(of: Void.self) { group in
            for subscriber in 0..<50 {
                group.addTask {  // registry-exempt: a structured fan-out that ends before the test returns
                    interest.update(subscriber: subscriber, topics: ["topic-\(subscriber % 5)"])
                    if subscriber % 2 == 0 { interest.remove(subscriber: subscriber) }
                }
            }
        }
        #expect(interest.topics == ["topic-0", "topic-1", "topic-2", "topic-3", "topic-4"])
    }
}
