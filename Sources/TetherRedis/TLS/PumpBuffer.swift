/// A fixed-size byte buffer between a reader and a writer: it never grows, so a side that stops
/// draining stops the other side from reading (backpressure) instead of filling memory.
final class PumpBuffer {
    private let storage: UnsafeMutableRawBufferPointer
    private var head = 0
    private var tail = 0

    init(capacity: Int) {
        storage = .allocate(byteCount: capacity, alignment: 1)
    }

    deinit { storage.deallocate() }

    var isEmpty: Bool { head == tail }
    var hasSpace: Bool { tail < storage.count || head > 0 }

    /// Lets `fill` write into the free space at the end; it returns how many bytes it wrote (or ≤ 0 for none).
    func fill(_ fill: (UnsafeMutableRawPointer, Int) -> Int) -> Int {
        if tail == storage.count, head > 0 { compact() }
        let count = fill(storage.baseAddress! + tail, storage.count - tail)
        if count > 0 { tail += count }
        return count
    }

    /// Lets `drain` take bytes from the front; it returns how many it consumed (or ≤ 0 for none).
    func drain(_ drain: (UnsafeRawPointer, Int) -> Int) -> Int {
        let count = drain(UnsafeRawPointer(storage.baseAddress! + head), tail - head)
        if count > 0 { head += count }
        if head == tail { head = 0; tail = 0 }
        return count
    }

    private func compact() {
        let count = tail - head
        storage.baseAddress!.copyMemory(from: storage.baseAddress! + head, byteCount: count)
        head = 0
        tail = count
    }
}
