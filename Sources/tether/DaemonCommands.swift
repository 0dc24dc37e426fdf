import ArgumentParser
import TetherWire

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the daemon's version, uptime and components.")
    @OptionGroup var connection: Connection

    func run() throws {
        let response = try CLI.call { try connection.client.get("/status") }
        if connection.json { return CLI.printRaw(response) }
        let status = try CLI.decode(StatusReport.self, response)
        print("tetherd \(status.version) on \(status.computer), up \(CLI.duration(status.uptimeSeconds))")
        print("configuration: \(status.configuration)")
        print("sessions: \(status.sessions), tmux control client: \(status.tmuxControlClient ? "attached" : "not attached")")
        printRedis(status.redis)
        CLI.table(["COMPONENT", "STATE"], status.components.map { [$0.name, $0.state] })
    }

    /// The Redis lines: state and URL, why it is degraded, the peers, the request stream.
    private func printRedis(_ redis: RedisStatusReport) {
        guard redis.enabled else { return print("redis: disabled") }
        print("redis: \(redis.state)\(redis.url.map { " (\($0))" } ?? "")")
        if let error = redis.lastError { print("redis error: \(error)") }
        print("peers online: \(redis.peers.isEmpty ? "none" : redis.peers.joined(separator: ", "))")
        print("request stream: cursor \(redis.cursor ?? "not yet read"), \(redis.handled) handled, \(redis.rejected) rejected")
    }
}

struct Computers: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the computers online: this one and its peers, with memory, disk and CPU use.")
    @OptionGroup var connection: Connection

    func run() throws {
        let response = try CLI.call { try connection.client.get("/computers") }
        if connection.json { return CLI.printRaw(response) }
        let rows = try CLI.decode([ComputerInfo].self, response).map { computer in
            let stats = computer.systemStats
            return [computer.name + (computer.isLocal ? " *" : ""), computer.user, computer.host ?? "-", computer.role,
                    stats.map { "\(CLI.percent($0.memoryPercentUsed)) of \(CLI.gigabytes($0.memoryTotalGB))" } ?? "-",
                    stats.map { "\(CLI.percent($0.diskPercentUsed)) of \(CLI.gigabytes($0.diskTotalGB))" } ?? "-",
                    CLI.percent(stats?.cpuPercentUsed)]
        }
        CLI.table(["NAME", "USER", "HOST", "ROLE", "MEMORY", "DISK", "CPU"], rows)
        print("(* this computer)")
    }
}
