import Testing
import TetherCore

@Suite(.timeLimit(.minutes(1))) struct BoundedDictionaryTests {
    @Test func evictsTheLeastRecentlyUsedFirst() {
        var map = BoundedDictionary<String, Int>(capacity: 3)
        map["a"] = 1
        map["b"] = 2
        map["c"] = 3
        #expect(map["a"] == 1)  // a is now the most recent: b is the oldest
        let evicted = map.updateValue(4, forKey: "d")
        #expect(evicted?.key == "b")
        #expect(map.keys == ["c", "a", "d"])
        map["c"] = 30  // a write also refreshes
        map["e"] = 5
        #expect(map.keys == ["d", "c", "e"])
        #expect(map.peek("a") == nil && map.count == 3 && map.evictions == 2)
    }

    @Test func peekDoesNotRefreshAndRemovalFreesASlot() {
        var map = BoundedDictionary<Int, String>(capacity: 2)
        map[1] = "one"
        map[2] = "two"
        #expect(map.peek(1) == "one")
        map[3] = "three"  // 1 was only peeked: it is evicted
        #expect(map.keys == [2, 3])
        #expect(map.removeValue(forKey: 2) == "two")
        map[4] = "four"
        #expect(map.keys == [3, 4] && map.evictions == 1)
    }

    @Test func neverHoldsMoreThanItsCapacityUnderRandomUse() {
        var map = BoundedDictionary<Int, Int>(capacity: 50)
        var generator = SplitMix(seed: 7)
        var order: [Int] = []  // the oracle: keys from least to most recent
        for _ in 0..<20_000 {
            let key = Int(generator.next() % 200)
            switch generator.next() % 3 {
            case 0:
                map.removeValue(forKey: key)
                order.removeAll { $0 == key }
            case 1:
                if map[key] != nil {
                    order.removeAll { $0 == key }
                    order.append(key)
                }
            default:
                map[key] = key
                order.removeAll { $0 == key }
                order.append(key)
                if order.count > 50 { order.removeFirst() }
            }
            #expect(map.count <= 50)
        }
        #expect(map.keys == order)
    }
}

/// A small deterministic generator, so a failing property test fails the same way every run.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
