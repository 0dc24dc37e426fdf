import Hummingbird
import TetherCore

/// The listings that span every computer: this one's from the command layer, the peers' through the
/// ``PeerGateway`` (its cache while fresh, else asked under one deadline), so one request shows
/// them all even when no WebSocket client keeps the peers' sessions flowing in.
extension APIRoutes {
    /// `GET /sessions`: `status` filters (ended ones come from the store, for this computer only),
    /// `computer` narrows to one computer (`local` means this one; empty means all).
    func listSessions(_ request: Request) async -> Response {
        var statuses: Set<SessionStatus>?
        if let text = request.query("status"), !text.isEmpty {
            var parsed: Set<SessionStatus> = []
            for name in text.split(separator: ",") {
                guard let status = SessionStatus(rawValue: String(name)) else {
                    return APIResponse.problems([ValidationProblem(
                        type: "literal_error", location: ["query", "status"],
                        message: "Input should be " + SessionStatus.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", "), input: String(name))])
                }
                parsed.insert(status)
            }
            statuses = parsed
        }
        let computer = computerFilter(request)
        var sessions: [Session] = []
        if computer == nil || computer == environment.computer {
            // Live ones from the cache; ended ones, only when asked for, from the store.
            let live = await environment.commands.listSessions()
            sessions = live.filter { statuses?.contains($0.status) ?? true }
            if let ended = statuses?.intersection([.exited, .closed]), !ended.isEmpty {
                do {
                    sessions += try await environment.commands.endedSessions(statuses: ended, limit: Self.endedListLimit)
                } catch {
                    return APIResponse.error(error, action: "list sessions")
                }
            }
        }
        if computer != environment.computer {
            let wanted = statuses ?? Set(SessionStatus.allCases.filter(\.isLive))
            let remote: [Session]
            if let peers = environment.peers {
                remote = await peers.sessions(of: computer).filter { wanted.contains($0.status) }
            } else {
                remote = computer.map { environment.cache.sessions(computer: $0, statuses: wanted) }
                    ?? environment.cache.sessions(statuses: wanted)
            }
            sessions += remote.filter { $0.computer != environment.computer }
        }
        return APIResponse.json(Session.jsonArray(sessions))
    }

    /// `GET /computers`: this computer first, with its system stats, then every online peer with
    /// what it last reported (never a peer's tmux binary: that is its own business).
    func computers() async -> Response {
        let (info, stats) = await environment.commands.computerInfo()
        var local = info
        local.isLocal = true
        local.tmuxBinary = environment.tmuxBinary()
        local.systemStats = stats
        let known = await environment.peers?.computers() ?? environment.cache.computers()
        let remote = known.filter { !$0.isLocal && $0.name != info.name }.map { peer in
            var peer = peer
            peer.isLocal = false
            peer.tmuxBinary = nil
            return peer
        }
        return APIResponse.json([local] + remote)
    }

    /// `GET /projects`: this computer's trusted dirs, then the peers', each entry naming its computer.
    func projects(_ request: Request) async -> Response {
        let computer = computerFilter(request)
        var all: [Project.Listing] = []
        if computer == nil || computer == environment.computer {
            all += environment.commands.listProjects().map { $0.listed(on: environment.computer, as: .rest) }
        }
        guard computer != environment.computer else { return APIResponse.json(all) }
        if let peers = environment.peers {
            for (name, projects) in await peers.projects(of: computer) where name != environment.computer {
                all += projects.map { $0.listed(on: name, as: .rest) }
            }
        } else {
            for peer in environment.cache.computers() where !peer.isLocal && peer.name != environment.computer && (computer == nil || computer == peer.name) {
                all += environment.cache.projects(computer: peer.name).map { $0.listed(on: peer.name, as: .rest) }
            }
        }
        return APIResponse.json(all)
    }

    /// The `computer` query parameter: nil for none (or empty), this computer's name for `local`.
    func computerFilter(_ request: Request) -> String? {
        guard let computer = request.query("computer"), !computer.isEmpty else { return nil }
        return computer == Self.localAlias ? environment.computer : computer
    }
}
