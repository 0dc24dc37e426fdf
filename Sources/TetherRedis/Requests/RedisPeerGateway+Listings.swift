import Logging
import TetherCore

extension RedisPeerGateway {
    public func sessions(of computer: String?) async -> [Session] {
        await confirmPresence()
        let targets = listed(computer)
        await refresh(targets.filter { !isFresh($0, sessions: true) }, .listSessions) { name, answer, data in
            apply(sessions: data, host: name, stamp: answer.stamp)
        }
        let live = Set(SessionStatus.allCases.filter(\.isLive))
        return targets.flatMap { cache.sessions(computer: $0, statuses: live) }
            .sorted { $0.record.lastActivity != $1.record.lastActivity ? $0.record.lastActivity > $1.record.lastActivity : $0.id < $1.id }
    }

    public func projects(of computer: String?) async -> [(computer: String, projects: [Project])] {
        await confirmPresence()
        let targets = listed(computer)
        await refresh(targets.filter { !isFresh($0, sessions: false) }, .listProjects) { name, _, data in
            cache.setProjects(RemoteListingParser.projects(data), computer: name)
        }
        return targets.sorted().map { (computer: $0, projects: cache.projects(computer: $0)) }
    }

    /// `computer` when online, every online peer when nil.
    private func listed(_ computer: String?) -> [String] {
        guard let computer else { return directory.peers.map(\.name) }
        return isOnline(computer) ? [computer] : []
    }

    /// Asks `targets` for `command` under one deadline and applies each success; a peer that did
    /// not answer, or refused, is logged and left as the cache has it.
    private func refresh(_ targets: [String], _ command: PeerCommand, apply: (String, PeerAnswer, JSONValue) -> Void) async {
        guard !targets.isEmpty else { return }
        let result = await requester.fanOut(command, to: targets, tetherPeers: tetherPeers)
        for (name, answer) in result.answers {
            switch answer.reply {
            case .success(let data):
                apply(name, answer, data)
                markListed(name, sessions: command == .listSessions)
            case .failure(let failure):
                logger.warning("a peer refused a listing; showing what the cache holds", metadata: [
                    "peer": "\(name)", "command": "\(command.name)", "error": "\(failure.description.prefix(200))",
                ])
            }
        }
        for (name, failure) in result.failures where failure.kind != .stopped {
            logger.warning("a peer did not answer a listing in time; left out", metadata: [
                "peer": "\(name)", "command": "\(command.name)", "error": "\(failure.message)",
            ])
        }
    }

    /// Upserts what `host` listed and removes the cached sessions of `host` it no longer lists.
    func apply(sessions data: JSONValue, host: String, stamp: Timestamp?) {
        let now = time.wallNow
        let sessions = RemoteListingParser.sessions(data, host: host, stamp: stamp, now: now)
        for session in sessions { cache.upsert(session) }
        let current = Set(sessions.map(\.id))
        for gone in cache.sessions(computer: host) where !current.contains(gone.id) {
            cache.removeRemote(sessionID: gone.id, computer: host, hostStamp: stamp ?? now)
        }
    }
}

extension RedisPeerGateway {
    /// `computer`'s sessions asked now, never from the cache: the session events reader's bootstrap
    /// (it applies them); nil when the peer did not answer in time or refused.
    public func pullSessions(of computer: String) async -> [Session]? {
        let result = await requester.fanOut(.listSessions, to: [computer], tetherPeers: tetherPeers)
        for (name, answer) in result.answers where name == computer {
            guard case .success(let data) = answer.reply else { return nil }
            markListed(computer, sessions: true)
            return RemoteListingParser.sessions(data, host: computer, stamp: answer.stamp, now: time.wallNow)
        }
        return nil
    }
}
