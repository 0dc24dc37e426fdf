import Logging
import TetherCore

extension SessionEventReader {
    /// Applies one entry: `session_updated` and `session_removed` of the sender's own sessions go
    /// into the cache; anything else is ignored; a malformed payload is counted and skipped.
    func apply(_ entry: StreamEntry) {
        let event: PeerSessionEvent
        do throws(RedisProtocolError) {
            guard let payload = entry.fields.values[PeerSessionEvent.field] else {
                throw RedisProtocolError(.missingField, field: PeerSessionEvent.field, "A session event needs a 'payload' field (PROTOCOL.md §4).")
            }
            event = try PeerSessionEvent(payload: payload)
        } catch {
            reject(entry, error)
            return
        }
        rejecting.withLock { $0 = false }
        switch event {
        case .updated(let summary, let source, let at):
            // Only a host's word on its own sessions is taken: a baseline peer relays what it
            // received (§9 defect 11), and this computer's own sessions are never a peer's to change.
            guard summary.computer == source, source != computer else { return ignore(entry, "a relayed or echoed update") }
            let record = SessionRecord(remote: summary, computer: source, fallback: time.wallNow)
            tally.add { $0.received += 1 }
            cache.upsert(Session(remote: record, hostStamp: at))
        case .removed(let sessionID, let source, let at):
            guard source != computer else { return ignore(entry, "an echoed removal") }
            tally.add { $0.received += 1 }
            // Without a stamp the removal still wins over what is held: the host said it is gone.
            let stamp = at ?? cache.session(sessionID).map(SessionOrdering.stamp(of:)) ?? time.wallNow
            cache.removeRemote(sessionID: sessionID, computer: source, hostStamp: stamp)
        case .ignored:
            tally.add { $0.ignored += 1 }
        }
    }

    private func ignore(_ entry: StreamEntry, _ reason: String) {
        tally.add { $0.ignored += 1 }
        logger.debug("session event ignored: \(reason)", metadata: ["entry": "\(entry.id)"])
    }

    private func reject(_ entry: StreamEntry, _ error: RedisProtocolError) {
        tally.add { $0.rejected += 1 }
        let first = rejecting.withLock { rejecting -> Bool in
            defer { rejecting = true }
            return !rejecting
        }
        // One line per streak: a peer sending garbage in a loop must not flood the log; the counter shows the rest.
        guard first else { return }
        logger.warning("session event skipped: malformed payload (later ones in a row are only counted)", metadata: [
            "entry": "\(entry.id)", "field": "\(error.field)", "error": "\(error.message)",
        ])
    }

    /// After a new discovery round: the remote sessions of every computer without a heartbeat
    /// leave the cache (stamped as held, so the host's next real update brings them back).
    func removeDepartedPeers(_ follower: inout PeerFollower) {
        let round = directory.counters.rounds
        guard round != follower.round else { return }
        follower.round = round
        let online = Set(directory.peers.map(\.name))
        follower.bootstrapped.formIntersection(online)
        let orphans = cache.allSessions().filter { $0.computer != computer && !online.contains($0.computer) }
        guard !orphans.isEmpty else { return }
        for session in orphans {
            cache.removeRemote(sessionID: session.id, computer: session.computer, hostStamp: SessionOrdering.stamp(of: session))
        }
        let computers = Set(orphans.map(\.computer)).sorted()
        logger.info("peers left; their sessions leave the cache", metadata: [
            "peers": "\(computers.joined(separator: ","))", "sessions": "\(orphans.count)",
        ])
    }

    /// Pulls `list_sessions` from each online peer not pulled yet in this interest period,
    /// concurrently, each under the requester's own deadline.
    func bootstrapNewPeers(_ follower: inout PeerFollower) async {
        guard let bootstrap else { return }
        let online = directory.peers.map(\.name).filter { $0 != computer }
        let due = follower.due(online, now: time.now)
        guard !due.isEmpty else { return }
        let answers = await withTaskGroup(of: (String, [Session]?).self) { group in
            for peer in due {
                group.addTask { (peer, await bootstrap(peer)) }  // registry-exempt: awaited below, before this returns
            }
            var answers: [(String, [Session]?)] = []
            for await answer in group { answers.append(answer) }
            return answers
        }
        for (peer, sessions) in answers {
            guard let sessions else {
                // Said once per streak: a peer that never answers is asked again quietly.
                let level: Logger.Level = follower.retryAt[peer] == nil ? .warning : .debug
                follower.retryAt[peer] = time.now + Self.bootstrapRetryInterval
                logger.log(level: level, "a peer did not list its sessions; asking again later", metadata: ["peer": "\(peer)"])
                continue
            }
            follower.bootstrapped.insert(peer)
            follower.retryAt[peer] = nil
            replaceSessions(of: peer, with: sessions)
        }
    }

    /// The peer's listing is its whole truth: its sessions are upserted and the cached ones it no
    /// longer lists removed (a re-pull, never an emptied cache: §9 defect 14).
    private func replaceSessions(of peer: String, with sessions: [Session]) {
        let own = sessions.filter { $0.computer == peer }
        for session in own { cache.upsert(session) }
        let listed = Set(own.map(\.id))
        for held in cache.sessions(computer: peer) where !listed.contains(held.id) {
            cache.removeRemote(sessionID: held.id, computer: peer, hostStamp: SessionOrdering.stamp(of: held))
        }
        tally.add { $0.bootstraps += 1 }
        logger.info("pulled a peer's sessions", metadata: ["peer": "\(peer)", "sessions": "\(own.count)"])
    }
}
