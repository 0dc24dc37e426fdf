import Foundation
import Logging
import Synchronization
import TetherCore

/// Every text sent to a session whose agent Tether follows, from any client (CLI, API, a peer),
/// waits here until the agent can take it: never typed while the agent works or a dialog is open,
/// never interleaved with another sender's text, delivered one at a time in the order sent. Each
/// gets an ``InputReceipt``, readable by id while it is among the last ``receiptCapacity``.
///
/// One registry task drains a session's queue while it has texts; none runs for a quiet session.
/// At a stop the texts still waiting are not typed: their receipts say `failed`, with why.
final class AgentInputQueue: Sendable {
    /// Texts per session not yet typed or failed, the one under way included: a client this far
    /// ahead of its agent is refused, not buffered.
    static let perSessionLimit = 64
    /// Receipts kept for reading by id (a few hundred bytes each).
    static let receiptCapacity = 10_000
    /// How long a text waits for its agent to be idle before it fails, by default: longer than any
    /// agent turn a person would wait out, short enough that a stuck agent does not hold texts
    /// forever. `timeouts.agent_input_wait` overrides it.
    static let deliveryWait: Duration = .seconds(3600)
    /// How long a waiting queue sleeps without a state change before it looks again whether its
    /// session is still live and whether a shell came back in front (one tmux query).
    static let quietRecheck: Duration = .seconds(1)

    /// How long an agent may take to start before its queued texts fail.
    static let startWait: Duration = .seconds(60)

    typealias Delivery = @Sendable (_ sessionID: String, _ text: String, _ adapter: String) async throws -> Bool
    /// Whether a shell, not the agent, is in front in the session's pane.
    typealias ShellCheck = @Sendable (_ sessionID: String) async -> Bool

    private struct Pending: Sendable {
        let inputID: String
        let text: String
        let adapter: String
        /// When it was sent: its wait for the agent counts from here, not from reaching the head.
        let sent: Duration
    }

    private struct State {
        var queues: [String: FIFOQueue<Pending>] = [:]
        /// Texts per session accepted and not yet finished: the queued ones and the one its drain
        /// holds, so the limit does not depend on whether the drain has taken the first yet.
        var unfinished: [String: Int] = [:]
        var draining: Set<String> = []
        var receipts = BoundedDictionary<String, InputReceipt>(capacity: AgentInputQueue.receiptCapacity)
    }

    private let state = Mutex(State())
    private let registry: TaskRegistry
    private let agents: AgentWatch
    private let lookup: SessionLookup
    private let time: TimeSource
    private let logger: Logger
    private let deliver: Delivery
    private let shellInFront: ShellCheck
    /// `timeouts.agent_input_wait`, read when a text starts waiting (the configuration is live).
    private let deliveryWait: @Sendable () -> Duration
    /// Told of each receipt's change (the WebSocket hub relays it).
    private let announce: @Sendable (InputReceipt) -> Void

    init(registry: TaskRegistry, agents: AgentWatch, lookup: SessionLookup, time: TimeSource, logger: Logger,
         deliveryWait: @escaping @Sendable () -> Duration = { AgentInputQueue.deliveryWait },
         announce: @escaping @Sendable (InputReceipt) -> Void, shellInFront: @escaping ShellCheck, deliver: @escaping Delivery) {
        self.deliveryWait = deliveryWait
        self.shellInFront = shellInFront
        self.registry = registry
        self.agents = agents
        self.lookup = lookup
        self.time = time
        self.logger = logger
        self.announce = announce
        self.deliver = deliver
    }

    /// Queues `text` for session `sessionID`; the limit is checked and the place taken in one step.
    func enqueue(_ text: String, sessionID: String, adapter: String) throws -> InputReceipt {
        let receipt = InputReceipt(inputID: UUID().uuidString.lowercased(), sessionID: sessionID, state: .queued)
        let startDraining = try state.withLock { state -> Bool in
            let waiting = state.unfinished[sessionID] ?? 0
            guard waiting < Self.perSessionLimit else {
                throw TetherError(.invalidRequest, "session \(sessionID) already has \(waiting) texts queued or being typed for its agent (the most is \(Self.perSessionLimit)); wait for them (tether send --wait) before sending more")
            }
            state.unfinished[sessionID] = waiting + 1
            state.queues[sessionID, default: FIFOQueue()].append(Pending(inputID: receipt.inputID, text: text, adapter: adapter, sent: time.now))
            state.receipts.updateValue(receipt, forKey: receipt.inputID)
            return state.draining.insert(sessionID).inserted
        }
        announce(receipt)
        if startDraining, registry.spawn(name: "input-queue", operation: { await self.drain(sessionID) }).id == 0 {
            // The registry takes no task: the daemon is stopping. Nothing will type these.
            while let next = takeNext(sessionID) {
                finish(next.inputID, sessionID: sessionID, .failed, reason: "the daemon is stopping; the text was not typed")
            }
            return self.receipt(receipt.inputID) ?? receipt
        }
        return receipt
    }

    /// Keeps the receipt of a text typed at once (not queued), so it can be read by id too.
    func remember(_ receipt: InputReceipt) {
        state.withLock { _ = $0.receipts.updateValue(receipt, forKey: receipt.inputID) }
    }

    /// The receipt of input `inputID`, while it is remembered.
    func receipt(_ inputID: String) -> InputReceipt? {
        state.withLock { $0.receipts.peek(inputID) }
    }

    /// Delivers the session's texts in order until none is left; under cancellation (a stop) what
    /// is left fails at once.
    private func drain(_ sessionID: String) async {
        while let next = takeNext(sessionID) {
            let outcome: (state: InputReceipt.State, reason: String?)
            if let refusal = await waitUntilReady(sessionID, sent: next.sent) {
                outcome = (.failed, refusal)
            } else {
                do {
                    outcome = try await deliver(sessionID, next.text, next.adapter)
                        ? (.delivered, nil) : (.unconfirmed, "typed and submitted, but the agent showed no sign of taking it (no prompt-submit hook, no busy screen, the draft still in its input box)")
                } catch let error as AgentSubmitter.Interrupted {
                    // Pasted already: "failed" would claim it was never typed.
                    outcome = (.unconfirmed, "pasted, then interrupted before its submit was confirmed (\(error.cause)); it may be in the agent's input box")
                } catch {
                    outcome = (.failed, "\(error)")
                }
            }
            finish(next.inputID, sessionID: sessionID, outcome.state, reason: outcome.reason)
        }
    }

    private func takeNext(_ sessionID: String) -> Pending? {
        state.withLock { state in
            if let next = state.queues[sessionID]?.popFirst() { return next }
            state.queues[sessionID] = nil
            state.draining.remove(sessionID)
            return nil
        }
    }

    /// Nil once the agent is idle; else why the text cannot be typed (stopping, session gone,
    /// timeout). Sleeps on the agent's next status change, looking again after a quiet second.
    private func waitUntilReady(_ sessionID: String, sent began: Duration) async -> String? {
        let wait = deliveryWait()
        let end = began + wait
        while time.now < end {
            if Task.isCancelled { return "the daemon stopped before the agent could take it" }
            guard lookup.live(sessionID) != nil else { return "session \(sessionID) ended before its agent could take it" }
            let change = agents.nextChange(sessionID)
            guard let status = agents.status(sessionID) else { return nil }
            if status.state == .idle, !agents.isHeld(sessionID) { return nil }
            if await change.wait(timeout: min(Self.quietRecheck, end - time.now), on: time) { continue }
            // An agent that exited mid-turn (or never started) leaves a shell: fail, not wait an hour.
            if !Task.isCancelled, !agents.isHeld(sessionID), await shellInFront(sessionID) {
                if status.state != .starting { return "the agent exited (a shell is in front); send the text again to type it into the shell" }
                if time.now - began > Self.startWait { return "the agent did not start within \(Self.startWait); look at the session's screen (tether tail)" }
            }
        }
        return "the agent was not idle within \(wait) (timeouts.agent_input_wait); it may be stuck: look at its screen (tether tail)"
    }

    private func finish(_ inputID: String, sessionID: String, _ outcome: InputReceipt.State, reason: String?) {
        let receipt = InputReceipt(inputID: inputID, sessionID: sessionID, state: outcome, reason: reason)
        state.withLock { state in
            _ = state.receipts.updateValue(receipt, forKey: inputID)
            let left = (state.unfinished[sessionID] ?? 1) - 1
            state.unfinished[sessionID] = left > 0 ? left : nil
        }
        if outcome != .delivered {
            logger.warning("a text for an agent was not delivered as sent", metadata: [
                "session.id": "\(sessionID)", "input.id": "\(inputID)", "input.state": "\(outcome.rawValue)", "reason": "\(reason ?? "")",
            ])
        }
        announce(receipt)
    }
}
