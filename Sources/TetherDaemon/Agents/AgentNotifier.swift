import Logging
import Synchronization
import TetherCore

/// Tells the session that started another (its `initiator_session_id`) when that session's agent
/// ends a turn or asks for input: one notice per turn and one per dialog, typed into the initiator
/// when it is here, else sent to its computer as `stop_notification` / `input_notification`
/// (PROTOCOL.md §3). And the other way: a peer's notice about one of its sessions is typed into the
/// local session that started it, never forwarded again (§9 defect 6).
///
/// Nothing here waits on delivery: each notice is a registry task (typing may wait on a busy
/// agent's input), at most ``maximumDeliveries`` at once; beyond that a notice is dropped and logged.
final class AgentNotifier: Sendable {
    /// Sessions whose last announced turn and last seen dialog are remembered: far more than the
    /// sessions one computer runs, so a turn is never announced twice while its session lives.
    static let rememberedSessions = 4096
    /// Notices delivered at once: each holds a task that may wait behind a busy agent's input; a
    /// storm of turns (or of peers' notices) beyond this is dropped, not queued without bound.
    static let maximumDeliveries = 64
    /// How soon a dialog seen again (a hook and the screen see one dialog at different moments, and
    /// a lagging screen may flip the state between them) counts as the same dialog: the hooks'
    /// trust over the screen, after which a new sighting is a new dialog.
    static let sameDialogWindow = AgentStateTracker.hookTrust
    /// Sessions whose initiator could not be reached, remembered so that is logged once per session.
    static let rememberedMisses = 1024
    /// The `last_input_adapter` a notice leaves on the session it is typed into.
    static let adapter = "notice"

    private struct State {
        /// Per session, the last turn whose end was announced (turns only grow until a relaunch).
        var announced = BoundedDictionary<String, Int>(capacity: AgentNotifier.rememberedSessions)
        var missed = BoundedDictionary<String, Bool>(capacity: AgentNotifier.rememberedMisses)
        /// Per session, the dialog last seen: its turn, its question when known, and when.
        var dialogs = BoundedDictionary<String, Dialog>(capacity: AgentNotifier.rememberedSessions)
        var inFlight = 0
    }

    private struct Dialog {
        var turn: Int
        var question: String?
        var seen: Duration
    }

    private let state = Mutex(State())
    /// The peers, once Redis runs (set after the sessions are built; nil without Redis).
    private let peers = Mutex<(any PeerGateway)?>(nil)
    private let lookup: SessionLookup
    private let input: SessionInputSender
    private let registry: TaskRegistry
    private let logger: Logger

    init(lookup: SessionLookup, input: SessionInputSender, registry: TaskRegistry, logger: Logger) {
        self.lookup = lookup
        self.input = input
        self.registry = registry
        self.logger = logger
    }

    /// Notices to initiators on other computers go through `gateway` from now on.
    func attach(_ gateway: any PeerGateway) {
        peers.withLock { $0 = gateway }
    }

    /// Session `id`'s agent started again (its turns count from zero): what was announced is forgotten.
    func relaunched(_ id: String) {
        state.withLock {
            _ = $0.announced.removeValue(forKey: id)
            _ = $0.dialogs.removeValue(forKey: id)
        }
    }

    /// Session `id`'s agent status went from `before` to `after`; `reply` is the last assistant
    /// message a Stop hook carried, `message` a Notification hook's text. Sends a notice when that
    /// is a turn's end or a new dialog, and the session has an initiator.
    func moved(_ id: String, from before: AgentStatus?, to after: AgentStatus, reply: String?, message: String?, at now: Duration) {
        let kind: AgentNoticeKind
        let detail: String?
        let question = after.prompt?.question
        if after.state == .idle, after.turn != (before?.turn ?? 0) {
            guard lookup.live(id)?.record.initiatorSessionID != nil, announce(turn: after.turn, of: id) else { return }
            (kind, detail) = (.turnEnded, reply)
        } else if after.state == .needsInput {
            let opened = before?.state != .needsInput
            guard sawDialog(id, turn: after.turn, question: question, at: now, opened: opened) else { return }
            (kind, detail) = (.needsInput, question ?? message)
        } else {
            return
        }
        guard let session = lookup.live(id), let initiator = session.record.initiatorSessionID, !initiator.isEmpty, initiator != id else { return }
        let notice = AgentNotice(kind: kind, sessionID: id, title: session.record.title, computer: lookup.computer, detail: detail)
        if lookup.live(initiator) != nil {
            deliver(notice, to: initiator)
            return
        }
        guard let gateway = peers.withLock({ $0 }) else {
            missedOnce(id, "the session that started it (\(initiator)) is not live here, and without Redis no peer can be told; the notice is dropped")
            return
        }
        // A title for stop_notification, the question for input_notification (which needs some text).
        let text = kind == .turnEnded ? session.record.title : (AgentNotice.clean(detail ?? "", limit: AgentNotice.detailLimit).nilIfEmpty ?? "input needed")
        let target = session.record.targetComputer
        spawn("agent.notice.send") { [self] in
            // The computer that asked for the session over Redis is where its notices go (§3); else the
            // cache knows the peers' sessions it was told of; else the peers' listings (one deadline for all).
            var host = target ?? lookup.cache.session(initiator)?.computer
            if host == nil { host = await gateway.sessions(of: nil).first { $0.id == initiator }?.computer }
            guard let host, host != lookup.computer else {
                missedOnce(id, "the session that started it (\(initiator)) is neither live here nor reported by a peer; the notice is dropped")
                return
            }
            do {
                try await gateway.sendAgentNotice(on: host, sessionID: id, kind: kind, text: text)
            } catch {
                logger.warning("an agent notice could not be sent to the initiator's computer",
                               metadata: ["session.id": "\(id)", "peer": "\(host)", "error": "\(error)"])
            }
        }
    }

    /// A peer's notice about its session `remote`: typed into each live local session that started
    /// it (the remote session's `initiator_session_id`, from the cache, else from the peer's listing).
    func received(_ kind: AgentNoticeKind, about remote: String, from computer: String, text: String?) {
        spawn("agent.notice.receive") { [self] in
            var known = lookup.cache.session(remote)
            if known == nil, let gateway = peers.withLock({ $0 }) {
                known = await gateway.sessions(of: computer).first { $0.id == remote }
            }
            // A peer cannot speak for a session of this computer: its notices come from its own agent.
            guard known?.computer != lookup.computer else { return }
            let callers = [known?.record.initiatorSessionID].compactMap { $0 }.filter { $0 != remote && lookup.live($0) != nil }
            guard !callers.isEmpty else {
                missedOnce(remote, "a \(kind == .turnEnded ? "stop" : "input") notice from \(computer) names a session no local session started; dropped")
                return
            }
            let notice = AgentNotice(kind: kind, sessionID: remote, title: kind == .turnEnded ? text : known?.record.title,
                                     computer: computer, detail: kind == .needsInput ? text : nil)
            for caller in callers { await type(notice, into: caller) }
        }
    }

    /// Records a sighting of session `id`'s open dialog; true when it is a new dialog to announce:
    /// the state just moved into it, and it is not the dialog last seen in this turn again (the
    /// same question, or one of the two unknown, within ``sameDialogWindow`` of its last sighting).
    /// A question that becomes known while the dialog stays open is only recorded.
    private func sawDialog(_ id: String, turn: Int, question: String?, at now: Duration, opened: Bool) -> Bool {
        state.withLock { state -> Bool in
            let last = state.dialogs[id].flatMap { $0.turn == turn ? $0 : nil }
            let same = last.map { last in
                now - last.seen < Self.sameDialogWindow && (question == nil || last.question == nil || question == last.question)
            } ?? false
            state.dialogs[id] = Dialog(turn: turn, question: question ?? (same || !opened ? last?.question : nil), seen: now)
            return opened && !same
        }
    }

    /// Records the end of `turn` of session `id` as announced; true when it was not yet (a hook
    /// and the screen see one end at different moments).
    private func announce(turn: Int, of id: String) -> Bool {
        state.withLock { state -> Bool in
            guard turn > state.announced[id] ?? 0 else { return false }
            state.announced[id] = turn
            return true
        }
    }

    private func deliver(_ notice: AgentNotice, to caller: String) {
        spawn("agent.notice.deliver") { [self] in await type(notice, into: caller) }
    }

    /// Queues the notice for `caller`'s agent. A caller without an agent Tether follows in front
    /// gets nothing typed: the notice holds another agent's words (its reply, its question), and a
    /// shell would run them, backticks, `$( )` and redirections included. That is logged once.
    private func type(_ notice: AgentNotice, into caller: String) async {
        do {
            if try await input.sendNotice(caller, notice.line, adapter: Self.adapter) == nil {
                missedOnce(caller, as: "to:" + caller, "session \(caller) started session \(notice.sessionID) but runs no agent Tether follows (a shell is in front); a notice is never typed into a shell, which would run its words; read the session's state with tether ls or tether wait")
            }
        } catch {
            logger.warning("an agent notice could not be typed", metadata: ["session.id": "\(caller)", "about": "\(notice.sessionID)", "error": "\(error)"])
        }
    }

    /// Runs `work` as a registry task when a delivery slot is free (reserved before it starts), else drops it.
    private func spawn(_ name: String, _ work: @escaping @Sendable () async -> Void) {
        let reserved = state.withLock { state -> Bool in
            guard state.inFlight < Self.maximumDeliveries else { return false }
            state.inFlight += 1
            return true
        }
        guard reserved else {
            logger.warning("too many agent notices in flight; one was dropped", metadata: ["limit": "\(Self.maximumDeliveries)"])
            return
        }
        let handle = registry.spawn(name: name, onShutdown: .cancel) { [self] in
            await work()
            release()
        }
        if handle.id == 0 { release() }
    }

    private func release() {
        state.withLock { $0.inFlight -= 1 }
    }

    private func missedOnce(_ id: String, as key: String? = nil, _ why: String) {
        let first = state.withLock { state -> Bool in
            guard state.missed.peek(key ?? id) == nil else { return false }
            state.missed[key ?? id] = true
            return true
        }
        if first { logger.info("agent notice not delivered: \(why)", metadata: ["session.id": "\(id)"]) }
    }
}

private extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
