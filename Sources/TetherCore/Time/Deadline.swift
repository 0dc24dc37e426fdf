/// Runs `operation` and gives up when `timeout` passes on `time`: the operation is cancelled and a
/// ``TetherError`` with code `.timeout` saying `what` did not finish is thrown.
///
/// The operation must honour cancellation; the helper returns only once it has.
public func withDeadline<T: Sendable>(
    _ timeout: Duration,
    on time: TimeSource,
    _ what: @autoclosure () -> String,
    operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    let outcome = try await withThrowingTaskGroup(of: T?.self) { group in
        // registry-exempt: a structured race between the operation and its deadline, both awaited here.
        group.addTask { try await operation() }  // registry-exempt: see above
        group.addTask {  // registry-exempt: see above
            try await time.sleep(for: timeout)
            return nil
        }
        defer { group.cancelAll() }
        return try await group.next() ?? nil
    }
    guard let outcome else {
        throw TetherError(.timeout, "\(what()) did not finish within \(timeout.milliseconds) ms")
    }
    return outcome
}
