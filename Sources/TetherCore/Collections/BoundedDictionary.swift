/// A dictionary that holds at most `capacity` entries and evicts the least recently used.
///
/// Every per-key map the daemon keeps (debounce times, previous states) is one of these, so no map
/// grows with the number of sessions ever seen. Lookups, insertions, removals and evictions are O(1):
/// the entries sit in slots threaded on a doubly linked recency list.
public struct BoundedDictionary<Key: Hashable, Value> {
    fileprivate struct Slot {
        var key: Key
        var value: Value
        var older: Int
        var newer: Int
    }

    private static var none: Int { -1 }

    public let capacity: Int
    private var index: [Key: Int] = [:]
    private var slots: [Slot] = []
    private var free: [Int] = []
    private var oldest = BoundedDictionary.none
    private var newest = BoundedDictionary.none
    /// Entries evicted to stay within `capacity`, since creation.
    public private(set) var evictions = 0

    /// `capacity` is clamped to at least 1.
    public init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    public var count: Int { index.count }
    public var isEmpty: Bool { index.isEmpty }

    /// The value for `key`, marking it most recently used; nil when absent.
    public mutating func value(forKey key: Key) -> Value? {
        guard let slot = index[key] else { return nil }
        touch(slot)
        return slots[slot].value
    }

    /// The value for `key` without changing its recency.
    public func peek(_ key: Key) -> Value? {
        index[key].map { slots[$0].value }
    }

    /// Reads touch the entry; assigning nil removes it.
    public subscript(key: Key) -> Value? {
        mutating get { value(forKey: key) }
        set {
            if let newValue { updateValue(newValue, forKey: key) } else { removeValue(forKey: key) }
        }
    }

    /// Inserts or replaces, marks the entry most recently used, and returns the entry evicted to make room.
    @discardableResult
    public mutating func updateValue(_ value: Value, forKey key: Key) -> (key: Key, value: Value)? {
        if let slot = index[key] {
            slots[slot].value = value
            touch(slot)
            return nil
        }
        var evicted: (key: Key, value: Value)?
        if index.count >= capacity, oldest != Self.none {
            let victim = slots[oldest]
            evicted = (victim.key, victim.value)
            removeValue(forKey: victim.key)
            evictions += 1
        }
        let slot: Int
        let fresh = Slot(key: key, value: value, older: newest, newer: Self.none)
        if let reused = free.popLast() {
            slot = reused
            slots[slot] = fresh
        } else {
            slot = slots.count
            slots.append(fresh)
        }
        if newest != Self.none { slots[newest].newer = slot }
        newest = slot
        if oldest == Self.none { oldest = slot }
        index[key] = slot
        return evicted
    }

    @discardableResult
    public mutating func removeValue(forKey key: Key) -> Value? {
        guard let slot = index.removeValue(forKey: key) else { return nil }
        unlink(slot)
        free.append(slot)
        return slots[slot].value
    }

    public mutating func removeAll() {
        self = BoundedDictionary(capacity: capacity)
    }

    /// Keys from least to most recently used.
    public var keys: [Key] {
        var result: [Key] = []
        result.reserveCapacity(count)
        var cursor = oldest
        while cursor != Self.none {
            result.append(slots[cursor].key)
            cursor = slots[cursor].newer
        }
        return result
    }

    private mutating func touch(_ slot: Int) {
        guard slot != newest else { return }
        unlink(slot)
        slots[slot].older = newest
        slots[slot].newer = Self.none
        if newest != Self.none { slots[newest].newer = slot }
        newest = slot
        if oldest == Self.none { oldest = slot }
    }

    private mutating func unlink(_ slot: Int) {
        let (older, newer) = (slots[slot].older, slots[slot].newer)
        if older != Self.none { slots[older].newer = newer } else { oldest = newer }
        if newer != Self.none { slots[newer].older = older } else { newest = older }
        slots[slot].older = Self.none
        slots[slot].newer = Self.none
    }
}

extension BoundedDictionary: Sendable where Key: Sendable, Value: Sendable {}
extension BoundedDictionary.Slot: Sendable where Key: Sendable, Value: Sendable {}
