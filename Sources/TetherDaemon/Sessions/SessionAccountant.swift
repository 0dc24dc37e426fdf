import Synchronization
import TetherCore
import TetherTerminal

/// CPU and memory of each live session's scope, read from its cgroup and kept on the session record
/// (`cpu_seconds`, `memory_bytes`) when it moved enough to matter.
///
/// It knows each session by its pane's pid (its shell), which finds the cgroup; the pids come in
/// when a session is created or adopted and go when it ends.
final class SessionAccountant: Sendable {
    /// CPU time that must have been used since the last figure before it is recorded: a tick of the
    /// heartbeat that saw less is an idle session, and recording it would only churn versions.
    static let cpuStep = 0.05
    /// Memory must have moved by more than this many bytes, or by ``memoryStepFraction`` of what it
    /// was when that is more, to be recorded: page-cache noise stays out, a real change does not.
    static let memoryStepBytes = 256 << 10
    /// See ``memoryStepBytes``: 1 %.
    static let memoryStepFraction = 100

    private let panes = Mutex<[String: Int]>([:])
    private let units: SystemdUnits?
    private let lookup: SessionLookup
    private let recorder: SessionRecorder
    private let files: BlockingWorker

    init(units: SystemdUnits?, lookup: SessionLookup, recorder: SessionRecorder, files: BlockingWorker) {
        self.units = units
        self.lookup = lookup
        self.recorder = recorder
        self.files = files
    }

    /// Starts accounting for `sessionID`, whose pane runs as `pid`.
    func track(_ sessionID: String, pid: Int) {
        panes.withLock { $0[sessionID] = pid }
    }

    /// Ends accounting for a session that ended.
    func forget(_ sessionID: String) {
        panes.withLock { _ = $0.removeValue(forKey: sessionID) }
    }

    /// Reads every live session's scope usage and records it when it moved (not written to the store
    /// on its own: the next real change writes it along).
    func refresh() async {
        let targets = panes.withLock { $0 }.filter { lookup.live($0.key) != nil }.map { ($0.key, $0.value) }
        guard units != nil, !targets.isEmpty else { return }
        let usages = (try? await files.run {
            targets.map { CgroupAccounting.usage(pid: $0.1, unit: SystemdUnits.scopeUnit(sessionID: $0.0)) }
        }) ?? []
        for ((id, _), usage) in zip(targets, usages) {
            guard let usage, let current = lookup.live(id), Self.moved(from: current.record, to: usage) else { continue }
            try? await recorder.update(id, persist: .never) {
                $0.cpuSeconds = usage.cpuSeconds
                $0.memoryBytes = usage.memoryBytes
            }
        }
    }

    /// Whether `usage` differs enough from what `record` holds to be worth a new version.
    static func moved(from record: SessionRecord, to usage: CgroupAccounting.Usage) -> Bool {
        let oldCPU = record.cpuSeconds ?? -1
        let oldMemory = record.memoryBytes ?? -1
        let memoryMoved = abs((usage.memoryBytes ?? -1) - oldMemory) > max(memoryStepBytes, oldMemory / memoryStepFraction)
        return usage.cpuSeconds - oldCPU >= cpuStep || memoryMoved
    }
}
