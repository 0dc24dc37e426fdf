import Logging
import TetherCore

extension Supervisor {
    /// How a component's stop went.
    enum StopOutcome: String {
        /// It returned within its share after being asked.
        case graceful
        /// Its share ran out; it returned once cancelled, so its clean-up may be incomplete.
        case cancelled
        /// It did not return even when cancelled; the drain went on without it.
        case abandoned
        /// It had already ended before the drain reached it.
        case ended
    }

    /// Of `timeouts.shutdown`, how much is kept for the registry's final drain of what components
    /// left behind: at most this, and at most a quarter of the whole.
    static let registryDrainReserve: Duration = TaskRegistry.maximumCancellationAllowance

    /// Stops the components in reverse start order, each asked to stop gracefully and given its share
    /// of `timeouts.shutdown` (what is left divided by the components left, so time one saves goes to
    /// the next), cancelled only when the share runs out; then drains every task still registered.
    /// Runs in the supervisor's own task, which is never cancelled, so every wait here works.
    func drain(failedStart: String? = nil) async -> Int32 {
        state = .stopping
        let timeout = Duration.milliseconds(Int64(settings.current.timeouts.shutdown * 1000))
        let start = time.now
        let deadline = start + timeout
        let reserve = min(Self.registryDrainReserve, timeout / 4)
        notifier.notify([ServiceNotification.stopping, ServiceNotification.status("stopping: \(running.count) components, \(registry.liveCount) tasks")])
        logger.info("draining", metadata: [
            "components": "\(running.reversed().map(\.component.name).joined(separator: ","))",
            "timeout_ms": "\(timeout.milliseconds)",
        ])

        var uncleanComponents: [String] = []
        for (index, entry) in running.reversed().enumerated() {
            let left = running.count - index
            let share = max(.zero, (deadline - reserve - time.now) / left)
            let name = entry.component.name
            notifier.notify([ServiceNotification.status("stopping: \(name)")])
            let began = time.now
            let outcome = await stop(entry, share: share)
            if outcome == .abandoned || outcome == .cancelled { uncleanComponents.append(name) }
            logger.log(
                level: outcome == .graceful || outcome == .ended ? .info : .error,
                "component stopped",
                metadata: [
                    "component.name": "\(name)", "component.stop": "\(outcome.rawValue)",
                    "component.stop_ms": "\((time.now - began).milliseconds)", "component.share_ms": "\(share.milliseconds)",
                ]
            )
        }

        let live = registry.liveCount
        notifier.notify([ServiceNotification.status("stopping: draining \(live) tasks")])
        let abandoned = await registry.shutdown(timeout: max(deadline - time.now, reserve))
        state = .stopped
        let elapsed = time.now - start
        if abandoned.isEmpty {
            logger.info(
                "drained \(live) tasks",
                metadata: ["tasks.drained": "\(live)", "drain_ms": "\(elapsed.milliseconds)"]
            )
        } else {
            logger.error(
                "drained \(live - abandoned.count) of \(live) tasks; abandoned the rest at the deadline",
                metadata: [
                    "tasks.drained": "\(live - abandoned.count)",
                    "tasks.abandoned": "\(abandoned.joined(separator: ","))",
                    "drain_ms": "\(elapsed.milliseconds)",
                ]
            )
        }
        if let reason = failedStart ?? failure {
            if failedStart != nil { logger.critical("tetherd failed to start", metadata: ["error": "\(reason)"]) }
            notifier.notify([ServiceNotification.status("failed: \(reason)")])
            return 1
        }
        // Anything short of every component stopping on its own, and every task draining, may have
        // lost work: exit 1, so it shows in `systemctl status` and the journal.
        let clean = abandoned.isEmpty && uncleanComponents.isEmpty && !escalated.isFired && stopErrors == 0
        return clean ? 0 : 1
    }

    /// Asks one component to stop, waits its share, then cancels it and waits a little more.
    private func stop(_ entry: Running, share: Duration) async -> StopOutcome {
        guard !entry.finished.isFired else { return .ended }
        board.markStopping(entry.component.name)
        entry.stopRequest.fire()
        if await AsyncEvent.first(of: [entry.finished, escalated], timeout: share, on: time) == 0 {
            return .graceful
        }
        entry.handle.cancel()
        return await entry.finished.wait(timeout: Self.componentCancellationGrace, on: time) ? .cancelled : .abandoned
    }
}
