import Logging
import TetherCore

extension Supervisor {
    // MARK: Watchdog

    /// Pings systemd's watchdog at half its period, only while every component's heartbeat is fresh.
    func startWatchdog(period: Duration) {
        let interval = period / 2
        logger.debug("watchdog enabled", metadata: ["watchdog.interval_ms": "\(interval.milliseconds)"])
        registry.spawn(name: "watchdog") { [board, notifier, logger, time] in
            var reportedStall: [String] = []
            while true {
                let unhealthy = board.unhealthy()
                if unhealthy.isEmpty {
                    notifier.notify([ServiceNotification.watchdog])
                    if !reportedStall.isEmpty {
                        logger.notice("components healthy again; watchdog pings resumed")
                        reportedStall = []
                    }
                } else if unhealthy != reportedStall {
                    reportedStall = unhealthy
                    logger.error(
                        "components stalled; withholding watchdog pings so systemd restarts the daemon",
                        metadata: ["components.stalled": "\(unhealthy.joined(separator: ","))"]
                    )
                    notifier.notify([ServiceNotification.status("stalled: \(unhealthy.joined(separator: ", "))")])
                }
                try await time.sleep(for: interval)
            }
        }
    }

    // MARK: Reload

    /// SIGHUP: re-read the configuration, apply what can change live, keep the old one if the new is invalid.
    public func reload() async {
        switch state {
        case .starting:
            reloadPending = true
            return
        case .reloading, .stopping, .stopped:
            return
        case .ready:
            break
        }
        state = .reloading
        notifier.notify([ServiceNotification.reloading, ServiceNotification.status("reloading configuration")])
        let old = settings.current
        do {
            let (new, newOrigin) = try loader.load()
            let change = ConfigurationChange(from: old, to: new)
            settings.replace(with: old.applyingLiveSections(of: new))
            logLevel.current = new.logging.level
            lastReloadError = nil
            logger.log(
                level: change.needRestart.isEmpty ? .info : .notice,
                "configuration reloaded",
                metadata: [
                    "config.origin": "\(newOrigin)",
                    "config.changed": "\(change.appliedLive.joined(separator: ","))",
                    "config.restart_required": "\(change.needRestart.joined(separator: ","))",
                ]
            )
            logger.debug("reload applied", metadata: ["log.level": "\(new.logging.level)"])
        } catch {
            lastReloadError = "\(error)"
            logger.error(
                "configuration reload failed; still running on the previous configuration",
                metadata: ["error": "\(error)"]
            )
        }
        // A stop may have arrived while we were reloading; it wins.
        guard state == .reloading else { return }
        state = .ready
        notifier.notify([ServiceNotification.ready, ServiceNotification.status(readyStatus())])
    }
}
