import Logging
import Synchronization
import TetherCore

/// Each live session's agent: an ``AgentStateTracker`` fed by its hooks (and its screen), whose
/// status goes into the session's record (in memory) whenever it changes, so the summary, the
/// `session_updated` event and `/metrics` all carry it.
///
/// Holds one tracker per session whose agent Tether launched or that sent a hook: the live
/// sessions', plus ended ones' until the next tracker is made (which prunes them).
final class AgentWatch: Sendable {
    private let trackers = Mutex<[String: AgentStateTracker]>([:])
    /// The last screen reading per followed session, reused for a screen the poller saw unchanged.
    private let readings = Mutex<[String: ScreenReading]>([:])
    /// The agent CLI each launched session runs, as the launcher resolved it (name or command), so
    /// the screen is read with its shapes even under an operator's own name (`opus: claude --model opus`).
    private let kinds = Mutex<[String: AgentKind]>([:])
    /// Sessions whose agent is being restarted, with how many restarts hold each: their queues
    /// wait, whatever the state says, until the last restart lets go.
    private let held = Mutex<[String: Int]>([:])
    /// Prompt-submit hooks (UserPromptSubmit, BeforeAgent) per session: what confirms a submit.
    private let submitCounts = Mutex<[String: Int]>([:])
    /// Per session someone waits on, the event its next status change (or a hold's release) fires;
    /// taken out as it fires, so the next waiter gets a fresh one.
    private let changes = Mutex<[String: AsyncEvent]>([:])
    /// Told of every status change, for the notices to initiators; set once the input side exists.
    private let notifier = Mutex<AgentNotifier?>(nil)
    private let lookup: SessionLookup
    private let recorder: SessionRecorder
    private let time: TimeSource
    private let logger: Logger

    init(lookup: SessionLookup, recorder: SessionRecorder, time: TimeSource, logger: Logger) {
        self.lookup = lookup
        self.recorder = recorder
        self.time = time
        self.logger = logger
    }

    /// Status changes go to `notices` from now on.
    func attach(_ notices: AgentNotifier) {
        notifier.withLock { $0 = notices }
    }

    /// An agent was started in session `id`: its state is `starting` until a hook or the screen says more.
    func launched(_ id: String, kind: AgentKind) async {
        kinds.withLock { $0[id] = kind }
        trackers.withLock { trackers in
            prune(&trackers, adding: id)
            trackers[id] = AgentStateTracker()
        }
        notifier.withLock { $0 }?.relaunched(id)
        await publish(id)
    }

    /// A hook of session `id`'s agent.
    func hook(_ id: String, _ payload: AgentHookPayload) async {
        let now = time.now
        let (before, after) = trackers.withLock { trackers in
            if trackers[id] == nil { prune(&trackers, adding: id) }
            let before = trackers[id]?.status
            let changed = trackers[id, default: AgentStateTracker()].hookArrived(payload, at: now)
            return (before, changed ? trackers[id]?.status : nil)
        }
        // Counted after the tracker moved, so a submitter that sees the count sees `working` too.
        if case .userPromptSubmit = payload.event { submitCounts.withLock { $0[id, default: 0] += 1 } }
        guard let after else { return }
        await publish(id)
        notifier.withLock { $0 }?.moved(id, from: before, to: after, reply: payload.lastAssistantMessage, message: payload.message, at: now)
    }

    /// A screen of session `id`, whose agent is `agent`: read (bottom lines only) and fed to its
    /// tracker; nothing, not even the read, for a session without one.
    func screen(_ id: String, screen: String, agent: String?, unchanged: Bool = false) async {
        guard trackers.withLock({ $0[id] != nil }) else { return }
        // The same screen reads the same: only its count of polls matters (the idle hold).
        let reading: ScreenReading
        if unchanged, let last = readings.withLock({ $0[id] }) {
            reading = last
        } else {
            reading = AgentScreenReader(kind: self.kind(id, agent: agent)).read(screen: screen)
            readings.withLock { $0[id] = reading }
        }
        let now = time.now
        let (before, after) = trackers.withLock { trackers -> (AgentStatus?, AgentStatus?) in
            let before = trackers[id]?.status
            let changed = trackers[id]?.screenRead(reading, at: now) ?? false
            return (before, changed ? trackers[id]?.status : nil)
        }
        guard let after else { return }
        await publish(id)
        notifier.withLock { $0 }?.moved(id, from: before, to: after, reply: nil, message: nil, at: now)
    }

    /// A submit Tether saw confirmed (its hook, or the screen turning busy) while the agent was in
    /// turn `turn`: the agent is working from now, so a queue never takes the next text on the
    /// strength of an `idle` read before it. Unless that turn already ended (a short turn whose
    /// Stop came before the confirmation): then it stays ended, and is not counted twice.
    func submitted(_ id: String, inTurn turn: Int?) async {
        let now = time.now
        let (before, after) = trackers.withLock { trackers -> (AgentStatus?, AgentStatus?) in
            let before = trackers[id]?.status
            guard before?.turn == turn else { return (before, nil) }
            let changed = trackers[id]?.hookArrived(.working, at: now) ?? false
            return (before, changed ? trackers[id]?.status : nil)
        }
        guard let after else { return }
        await publish(id)
        notifier.withLock { $0 }?.moved(id, from: before, to: after, reply: nil, message: nil, at: now)
    }

    /// The kind of session `id`'s agent: as launched, else by its name.
    func kind(_ id: String, agent: String?) -> AgentKind {
        kinds.withLock { $0[id] } ?? AgentKind(agentName: agent)
    }

    /// Holds session `id`'s queue (an agent restart under way) until ``release(_:)``.
    func hold(_ id: String) { held.withLock { $0[id, default: 0] += 1 } }
    func release(_ id: String) {
        held.withLock { held in
            let left = (held[id] ?? 1) - 1
            held[id] = left > 0 ? left : nil
        }
        changed(id)
    }
    func isHeld(_ id: String) -> Bool { held.withLock { $0[id] != nil } }

    /// The event session `id`'s next status change fires. Taken before the status is read, so a
    /// change between the read and the wait is not missed.
    func nextChange(_ id: String) -> AsyncEvent {
        changes.withLock { changes in
            if let event = changes[id] { return event }
            let event = AsyncEvent()
            changes[id] = event
            return event
        }
    }

    /// Wakes whoever waits on session `id`'s next change.
    private func changed(_ id: String) {
        changes.withLock { $0.removeValue(forKey: id) }?.fire()
    }

    /// Stops following session `id`'s agent (another program took its place): its state leaves
    /// the record too, so `answer`, `tether wait` and `/metrics` no longer act on it.
    func forget(_ id: String) async {
        trackers.withLock { _ = $0.removeValue(forKey: id) }
        submitCounts.withLock { _ = $0.removeValue(forKey: id) }
        await publish(id)
        readings.withLock { _ = $0.removeValue(forKey: id) }
        kinds.withLock { _ = $0.removeValue(forKey: id) }
    }

    /// Whether Tether follows session `id`'s agent (it launched it, or it sent a hook).
    func follows(_ id: String) -> Bool {
        trackers.withLock { $0[id] != nil }
    }

    /// The prompt-submit hooks session `id`'s agent has sent.
    func submits(_ id: String) -> Int {
        submitCounts.withLock { $0[id] ?? 0 }
    }

    /// Session `id`'s agent status now, if it has one.
    func status(_ id: String) -> AgentStatus? {
        trackers.withLock { $0[id]?.status }
    }

    /// Writes the tracker's latest status into the record: read when the record changes, under the
    /// recorder's lock, so two changes racing here cannot leave the older one in place.
    private func publish(_ id: String) async {
        do {
            try await recorder.update(id, persist: .never) { [self] record in record.agent = status(id) }
        } catch {
            logger.warning("the agent state of a session could not be recorded", metadata: ["session.id": "\(id)", "error": "\(error)"])
        }
        changed(id)
    }

    /// Drops the trackers of sessions no longer live, before one for `id` is added.
    private func prune(_ trackers: inout [String: AgentStateTracker], adding id: String) {
        let gone = trackers.keys.filter { $0 != id && lookup.live($0) == nil }
        for key in gone { trackers[key] = nil }
        readings.withLock { readings in for key in gone { readings[key] = nil } }
        kinds.withLock { kinds in for key in gone { kinds[key] = nil } }
        submitCounts.withLock { counts in for key in gone { counts[key] = nil } }
        let waited = changes.withLock { changes in gone.compactMap { changes.removeValue(forKey: $0) } }
        for event in waited { event.fire() }
    }
}
