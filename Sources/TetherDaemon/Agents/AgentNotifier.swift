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
    /// Sessions whose announced turns and dialogs are remembered: far more than the sessions one
    /// computer runs, so a turn is never announced twice while its session lives.
    static let rememberedSessions = 4096
    /// Turns and dialogs remembered per session: a repeat comes within a moment (a hook and the
    /// screen seeing the same end), never dozens of notices later.
    static let rememberedPerSession = 16
    /// Notices delivered at once: each holds a task that may wait behind a busy agent's input; a
    /// storm of turns (or of peers' notices) beyond this is dropped, not queued without bound.
    static let maximumDeliveries = 64
    /// Sessions whose initiator could not be reached, remembered so that is logged once per session.
    static let rememberedMisses = 1024
    /// The `last_input_adapter` a notice leaves on the session it is typed into.
    static let adapter = "notice"

    private struct State {
        /// Per session, the turns and dialogs announced lately.
        var announced = BoundedDictionary<String, [String]>(capacity: AgentNotifier.rememberedSessions)
        var missed = BoundedDictionary<String, Bool>(capacity: AgentNotifier.rememberedMisses)
        var inFlight = 0
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
        state.withLock { _ = $0.announced.removeValue(forKey: id) }
    }

    /// Session `id`'s agent status went from `before` to `after`; `reply` is the last assistant
    /// message a Stop hook carried, `message` a Notification hook's text. Sends a notice when that
    /// is a turn's end or a new dialog, and the session has an initiator.
    func moved(_ id: String, from before: AgentStatus?, to after: AgentStatus, reply: String?, message: String?) {
        let kind: AgentNoticeKind
        let keys: [String]
        let detail: String?
        let question = after.prompt?.question
        if after.state == .idle, after.turn != (before?.turn ?? 0) {
            (kind, keys, detail) = (.turnEnded, ["turn \(after.turn)"], reply)
        } else if after.state == .needsInput, before?.state != .needsInput {
            // A dialog is new unless this turn announced one with this question, or one whose
            // question was unknown (the screen and the hooks see one dialog at different moments).
            (kind, keys, detail) = (.needsInput, ["dialog \(after.turn)"] + (question.map { ["dialog \(after.turn): \($0)"] } ?? []), question ?? message)
        } else {
            if after.state == .needsInput, before?.prompt?.question == nil, let question, lookup.live(id)?.record.initiatorSessionID != nil {
                // The open dialog's question became known: the same dialog, not to be announced again.
                remember(id, ["dialog \(after.turn): \(question)"])
            }
            return
        }
        guard let session = lookup.live(id), let initiator = session.record.initiatorSessionID, !initiator.isEmpty, initiator != id else { return }
        guard remember(id, keys) else { return }
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
        spawn("agent.notice.send") { [self] in
            // The cache knows the peers' sessions it was told of; else the peers' listings (one deadline for all).
            var host = lookup.cache.session(initiator)?.computer
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

    /// Records `keys` as announced for session `id`; true when the last of them (the most
    /// specific) was not yet.
    @discardableResult
    private func remember(_ id: String, _ keys: [String]) -> Bool {
        state.withLock { state -> Bool in
            var known = state.announced[id] ?? []
            let fresh = keys.last.map { !known.contains($0) } ?? false
            known.append(contentsOf: keys.filter { !known.contains($0) })
            state.announced[id] = Array(known.suffix(Self.rememberedPerSession))
            return fresh
        }
    }

    private func deliver(_ notice: AgentNotice, to caller: String) {
        spawn("agent.notice.deliver") { [self] in await type(notice, into: caller) }
    }

    /// Types the notice into `caller`: as a shell comment when no agent runs there, so a shell
    /// takes it as nothing to run.
    private func type(_ notice: AgentNotice, into caller: String) async {
        let agent = lookup.live(caller)?.record.activeAgent
        do {
            try await input.sendMessage(caller, agent == nil ? "# " + notice.line : notice.line, adapter: Self.adapter)
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

    private func missedOnce(_ id: String, _ why: String) {
        let first = state.withLock { state -> Bool in
            guard state.missed.peek(id) == nil else { return false }
            state.missed[id] = true
            return true
        }
        if first { logger.info("agent notice not delivered: \(why)", metadata: ["session.id": "\(id)"]) }
    }
}

private extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
