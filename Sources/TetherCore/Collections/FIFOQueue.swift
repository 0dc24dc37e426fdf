/// A first-in, first-out queue with O(1) amortised push and pop: an array read from a moving head,
/// compacted once the consumed part outweighs the rest.
public struct FIFOQueue<Element> {
    private var storage: [Element] = []
    private var head = 0

    public init() {}

    public var count: Int { storage.count - head }
    public var isEmpty: Bool { head >= storage.count }

    public mutating func append(_ element: Element) { storage.append(element) }

    public mutating func popFirst() -> Element? {
        guard head < storage.count else { return nil }
        let element = storage[head]
        head += 1
        if head > 64, head * 2 > storage.count {
            storage.removeFirst(head)
            head = 0
        }
        return element
    }

    /// Empties the queue and returns what it held, oldest first.
    public mutating func removeAll() -> [Element] {
        defer { storage.removeAll(); head = 0 }
        return Array(storage[head...])
    }
}

extension FIFOQueue: Sendable where Element: Sendable {}
