import TetherCore

extension Supervisor {
    /// Sends `STATUS=` again each time a component's condition changes while the daemon is ready
    /// (Redis lost, Redis back), so `systemctl status` always says what is wrong now.
    func followConditions() {
        registry.spawn(name: "status-conditions") { [board] in
            var sent = await self.readyStatus()
            while true {
                let changed = board.conditions.nextChange
                // Taken before comparing: a change between the last send and now is caught here.
                if let status = await self.conditionStatus(unlike: sent) { sent = status }
                guard await changed.wait() else { return }
            }
        }
    }

    /// Notifies and returns the ready status when it differs from `previous` and the daemon is ready.
    private func conditionStatus(unlike previous: String) -> String? {
        guard state == .ready else { return nil }
        let status = readyStatus()
        guard status != previous else { return nil }
        notifier.notify([ServiceNotification.status(status)])
        return status
    }
}
