import Logging

/// The bus's tasks: one drainer per subscriber, the deadline sweeper, and the graceful stop.
extension EventBus {
    /// Starts the drainer of `generation` for `subscriber`.
    func startDrainer(for subscriber: EventSubscriber, generation: UInt64) {
        let handle = registry.spawn(name: "events.\(subscriber.name)") { [self] in
            await drain(subscriber, generation: generation)
        }
        // A refused spawn (the registry is draining) comes back finished: nothing will fire `ended`.
        if subscriber.attach(handle, generation: generation), handle.isFinished { subscriber.ended.fire() }
    }

    /// Calls the handler for each queued event, in order, until the queue is finished, the
    /// subscriber closed, or this drainer abandoned by the sweeper.
    private func drain(_ subscriber: EventSubscriber, generation: UInt64) async {
        let deadline: @Sendable () -> Duration = { [time, handlerTimeout] in time.now + handlerTimeout() }
        while let event = await subscriber.take(generation: generation, deadline: deadline) {
            wakeSweeperIfIdle()
            var failure: (any Error)?
            do {
                try await subscriber.handler(event)
            } catch {
                failure = error
            }
            // Abandoned meanwhile: the sweeper logged it and a new drainer owns the queue.
            guard subscriber.endCall(generation: generation) else { return }
            if let failure, !(failure is CancellationError && Task.isCancelled) {
                state.withLock { $0.failedHandlers += 1 }
                logger.error("event handler failed; the event is skipped for this subscriber", metadata: [
                    "event.subscriber": "\(subscriber.name)", "event.name": "\(event.name)",
                    "session.id": "\(event.sessionID)", "error": "\(failure)",
                ])
            }
        }
        if subscriber.owns(generation: generation) { subscriber.ended.fire() }
    }

    /// Wakes the sweeper when it is waiting untimed for a call to watch.
    func wakeSweeperIfIdle() {
        let wake = state.withLock { state -> AsyncEvent? in
            guard state.sweeperIdle else { return nil }
            state.sweeperIdle = false
            return state.sweeperWake
        }
        wake?.fire()
    }

    /// Abandons every call past its deadline: looks every ``sweepInterval`` while some call is
    /// running, waits untimed while none is, and ends when the bus has finished. Woken by a call
    /// that begins, it still waits a full interval before it looks (nothing can be overdue sooner),
    /// so it wakes at most twice an interval however many events flow.
    func sweep() async {
        while !Task.isCancelled {
            let (wake, busy, stopped) = state.withLock { state -> (AsyncEvent, Bool, Bool) in
                if state.sweeperWake.isFired { state.sweeperWake = AsyncEvent() }
                state.leaving = state.leaving.filter { !$0.value.ended.isFired }
                let busy = state.subscribers.values.contains { $0.hasCallInProgress } || !state.leaving.isEmpty
                state.sweeperIdle = !busy
                return (state.sweeperWake, busy, state.sweeperStopped)
            }
            if stopped { return }
            var interval = wake
            if !busy {
                await wake.wait()
                // Not idle any more, so only finish(within:) fires the fresh event.
                let (fresh, stoppedNow) = state.withLock { state -> (AsyncEvent, Bool) in
                    state.sweeperWake = AsyncEvent()
                    return (state.sweeperWake, state.sweeperStopped)
                }
                if stoppedNow || Task.isCancelled { return }
                interval = fresh
            }
            _ = await interval.wait(timeout: Self.sweepInterval, on: time)
            let now = time.now
            let watched = state.withLock { Array($0.subscribers.values) + Array($0.leaving.values) }
            for subscriber in watched {
                guard let abandonment = subscriber.abandonIfOverdue(now: now) else { continue }
                state.withLock { $0.slowHandlers += 1 }
                logger.warning("event handler ran past its deadline; cancelled and left behind, the queue moves on", metadata: [
                    "event.subscriber": "\(subscriber.name)", "timeout_ms": "\(handlerTimeout().milliseconds)",
                ])
                abandonment.abandoned?.cancel()
                if abandonment.restart {
                    startDrainer(for: subscriber, generation: abandonment.generation)
                } else {
                    subscriber.ended.fire()
                }
            }
        }
    }

    /// Stops the bus gracefully: publishing is ignored from now on, each subscriber handles what it
    /// has queued within `timeout` on the injected clock, then every bus task ends.
    ///
    /// Returns the names of the subscribers that did not drain in time: their remaining events are
    /// dropped (and counted) and their drainers cancelled. A second call returns at once. Call it
    /// from a task that is not cancelled, or the bound collapses to zero.
    @discardableResult
    public func finish(within timeout: Duration) async -> [String] {
        let start = time.now
        let subscribers = state.withLock { state -> [EventSubscriber]? in
            guard state.phase == .accepting else { return nil }
            state.phase = .finishing
            return Array(state.subscribers.values)
        }
        guard let subscribers else { return [] }
        for subscriber in subscribers { subscriber.finishQueue() }
        var late: [EventSubscriber] = []
        for subscriber in subscribers {
            let remaining = start + timeout - time.now
            let drained = remaining > .zero
                ? await subscriber.ended.wait(timeout: remaining, on: time)
                : subscriber.ended.isFired
            if !drained { late.append(subscriber) }
        }
        let leaving = state.withLock { Array($0.leaving.values) }
        for subscriber in leaving where !subscriber.ended.isFired { subscriber.close().drainer?.cancel() }
        var dropped = 0
        for subscriber in late {
            let (count, drainer) = subscriber.close()
            dropped += count
            drainer?.cancel()
        }
        let wake = state.withLock { state -> AsyncEvent in
            state.phase = .finished
            state.subscribers.removeAll()
            state.leaving.removeAll()
            state.dropped += dropped
            state.sweeperStopped = true
            return state.sweeperWake
        }
        wake.fire()
        let names = late.map(\.name).sorted()
        if names.isEmpty {
            logger.debug("event bus finished", metadata: ["events.subscribers": "\(subscribers.count)"])
        } else {
            logger.warning("event bus finished with subscribers that did not drain in time; their queued events were dropped", metadata: [
                "events.late_subscribers": "\(names.joined(separator: ","))", "events.dropped": "\(dropped)",
                "timeout_ms": "\(timeout.milliseconds)",
            ])
        }
        return names
    }
}
