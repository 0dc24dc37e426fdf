import TetherCore

/// What asking several peers the same thing under one deadline brought back.
public struct FanOutResult: Sendable {
    /// The peers that answered in time (an error envelope is an answer), by name.
    public var answers: [String: PeerAnswer] = [:]
    /// The peers that did not, by name, with why (`.timeout` for a silent one).
    public var failures: [String: RequestFailure] = [:]

    public init() {}

    /// The peers that said nothing before the deadline, sorted.
    public var silent: [String] { failures.filter { $0.value.kind == .timeout }.keys.sorted() }
}

extension RedisRequester {
    /// Asks every peer of `targets` for `command` at once, all under one `deadline` (the command's
    /// own by default), and returns when each has answered or failed, so by the deadline (plus a
    /// `DEL`): one silent peer delays nobody. Replies without `from_computer` are taken from the
    /// peers not in `tetherPeers` (Python peers write none).
    public func fanOut(_ command: PeerCommand, to targets: [String], tetherPeers: Set<String>,
                       deadline: Duration? = nil) async -> FanOutResult {
        let limit = deadline ?? RequestDeadlines.deadline(for: command)
        return await withTaskGroup(of: (String, Result<PeerAnswer, RequestFailure>).self) { group in
            for target in Set(targets) {
                group.addTask {  // registry-exempt: one request per peer, all awaited before fanOut returns
                    do throws(RequestFailure) {
                        let answer = try await self.request(command, to: target, deadline: limit,
                                                            acceptsUnlabelled: !tetherPeers.contains(target))
                        return (target, .success(answer))
                    } catch {
                        return (target, .failure(error))
                    }
                }
            }
            var result = FanOutResult()
            for await (target, outcome) in group {
                switch outcome {
                case .success(let answer): result.answers[target] = answer
                case .failure(let failure): result.failures[target] = failure
                }
            }
            return result
        }
    }
}
