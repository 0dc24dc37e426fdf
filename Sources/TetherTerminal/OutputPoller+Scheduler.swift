import Logging
import TetherCore

/// The scheduler: one loop that waits for the earliest due session, polls every session due within
/// the batch window in one round trip, delivers what it found, and gathers exits apart.
extension OutputPoller {
    /// Polls the due sessions, batch after batch, handing what it finds to `deliver`, until
    /// ``finish()`` (then after a last look at every session) or cancellation (then at once).
    /// Returns only when every delivery has returned. A poller runs once; a second call returns.
    public func run(delivering deliver: @escaping Delivery) async {
        let first = state.withLock { state -> Bool in
            guard state.phase == .idle else { return false }
            state.phase = .running
            return true
        }
        guard first else {
            logger.warning("the output poller was asked to run a second time, or after it was stopped; it does not run again")
            return
        }
        await withDiscardingTaskGroup { exits in
            while let batch = await nextBatch() {
                for exit in await poll(batch, deliver) {
                    // registry-exempt: a slow exit must not hold up the next batch, and as a child of run() it is
                    // delivered before run() returns, so finish() waits for it and a drain cannot lose it.
                    exits.addTask { await self.deliverExit(exit, deliver) }  // registry-exempt: see above
                }
            }
        }
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.phase = .stopped
            state.entries.removeAll()
            return state.batchEnded()
        }
        for waiter in waiters { waiter.resume() }
        stopped.fire()
    }

    /// Which sessions a batch polls.
    private enum Batch {
        /// Those due by this instant.
        case dueBy(Duration)
        /// All of them: the last look after ``finish()``.
        case everything

        func includes(_ entry: PollEntry) -> Bool {
            switch self {
            case .dueBy(let horizon): entry.due <= horizon
            case .everything: true
            }
        }
    }

    /// Waits until a batch is due and says which; after ``finish()``, one last batch of every
    /// session, then nil. Nil at once when cancelled.
    private func nextBatch() async -> Batch? {
        var waited = false
        while !Task.isCancelled {
            let (wake, earliest, phase) = state.withLock { state -> (AsyncEvent, Duration?, Phase) in
                if state.wake.isFired { state.wake = AsyncEvent() }
                let phase = state.phase
                if phase == .stopping { state.phase = .lastLook }
                return (state.wake, state.entries.values.map(\.due).min(), phase)
            }
            switch phase {
            case .stopping: return .everything
            case .running: break
            case .idle, .lastLook, .stopped: return nil
            }
            // Woken by the clock, a new session or input: poll what is due now, and whatever comes due
            // within the batch window.
            if waited { return .dueBy(time.now + Self.batchWindow) }
            waited = true
            if let earliest {
                let delay = earliest - time.now
                if delay > .zero { _ = await wake.wait(timeout: delay, on: time) }
            } else {
                await wake.wait()
            }
        }
        return nil
    }

    /// Polls the sessions `batch` takes in, in one round trip, delivers what it found, and returns
    /// the sessions that ended there, whose exits are gathered apart.
    private func poll(_ batch: Batch, _ deliver: Delivery) async -> [PendingExit] {
        let latest = settings()
        let due = state.withLock { state -> [PollEntry] in
            let due = state.entries.values.filter(batch.includes)
            state.batchInFlight = !due.isEmpty
            return due
        }
        guard !due.isEmpty else { return [] }
        batches.add(1, ordering: .relaxed)
        polls.add(due.count, ordering: .relaxed)
        let started = time.now
        let results: [Result<PaneSnapshot?, TetherError>]
        do {
            results = try await bridge.poll(due.map(\.tmuxName))
        } catch {
            let failure = (error as? TetherError) ?? TetherError(.terminal, "\(error)")
            results = Array(repeating: .failure(failure), count: due.count)
        }
        let now = time.now
        batchObserver.withLock { $0 }?(now - started)
        let outcomes = state.withLock { state -> [(entry: PollEntry, outcome: PollEntry.Outcome)] in
            due.indices.compactMap { index in
                guard var entry = state.entries[due[index].sessionID], entry.generation == due[index].generation else { return nil }
                let outcome = entry.record(results[index], at: now, settings: latest)
                state.entries[entry.sessionID] = outcome.ending == nil ? entry : nil
                return (entry, outcome)
            }
        }
        var exits: [PendingExit] = []
        for (entry, outcome) in outcomes {
            if let note = outcome.note { logger.log(level: note.level, note.message, metadata: note.metadata) }
            for observation in outcome.observations { await deliver(entry.sessionID, observation) }
            switch outcome.ending {
            case nil: break
            case .vanished?: exits.append(PendingExit(entry: entry, snapshot: nil))
            case .died(let snapshot)?: exits.append(PendingExit(entry: entry, snapshot: snapshot))
            }
        }
        let waiters = state.withLock { $0.batchEnded() }
        for waiter in waiters { waiter.resume() }
        return exits
    }
}
