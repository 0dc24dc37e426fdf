import Logging
import TetherCore

extension ScreenWatch {
    /// Reads the host's screen stream on a link of its own until `stop`, the end, or the host leaving;
    /// the link is cut at once when `stop` fires and closed on the way out.
    func follow(_ grant: ScreenWatchGrant, until stop: AsyncEvent, into output: inout ScreenOutput) async {
        let link = RedisLink(options: options, name: "redis.screen-watch", time: time, logger: logger)
        await withDiscardingTaskGroup { group in
            group.addTask {  // registry-exempt: a stop watcher that ends before follow() returns
                if await stop.wait() { await link.close() }
            }
            await read(grant, on: link, until: stop, into: &output)
            group.cancelAll()
        }
        await link.close()
    }

    private func read(_ grant: ScreenWatchGrant, on link: RedisLink, until stop: AsyncEvent, into output: inout ScreenOutput) async {
        var lease = max(ScreenStream.minimumLease, .seconds(grant.leaseSeconds))
        var renewAt = time.now + lease / 2
        // nil until the newest entry was taken: the first read is XREVRANGE, the next ones XREAD after it.
        var position: String?
        var forgotten = false
        while !stop.isFired, !Task.isCancelled {
            if time.now >= renewAt {
                switch await askToWatch(lease) {
                case .granted(let renewed):
                    lease = max(ScreenStream.minimumLease, .seconds(renewed.leaseSeconds))
                    renewAt = time.now + lease / 2
                case .noReply, .refused:
                    renewAt = time.now + Self.retryPause
                case .noHandler, .gone:
                    // The host no longer has the session: its end entry, if any, comes with this read.
                    forgotten = true
                }
            }
            do throws(RedisError) {
                try await link.waitUntilConnected()
                let entries: [StreamEntry]
                if let after = position {
                    // The BLOCK stays well inside the half lease, so renewals are never late.
                    let block = min(options.blockTimeout, lease / 4)
                    let reply = try await link.sendBlocking(["XREAD", "COUNT", String(Self.readCount), "BLOCK", String(block.milliseconds),
                                                             "STREAMS", grant.stream, after], block: block)
                    entries = StreamEntry.entries(ofRead: reply, stream: grant.stream)
                } else {
                    entries = StreamEntry.entries(ofRange: try await link.send(["XREVRANGE", grant.stream, "+", "-", "COUNT", "1"]))
                    position = "0-0"
                }
                if let last = entries.last { position = last.id }
                if take(entries, into: &output) { return }
                // The directory forgets every peer while Redis is away and learns them again only at
                // its next round: the host's own heartbeat key says whether it really left.
                if !isOnline(host), try await link.send(["EXISTS", RedisKeys.heartbeat(host)]) == .integer(0) {
                    output.end(Self.hostLeftStatus)
                    return
                }
            } catch {
                if stop.isFired || link.status == .closed { return }
                if error.code == .server || error.code == .protocol {
                    logger.warning("Redis refused the read of a watched screen; retrying", metadata: ["error": "\(error.message)"])
                    _ = await stop.wait(timeout: Self.retryPause, on: time)
                }
            }
            if forgotten {
                output.end(Self.unknownSessionStatus)
                return
            }
        }
    }

    /// Yields the newest screen of `entries`, then the end if one is there; true at the end.
    private func take(_ entries: [StreamEntry], into output: inout ScreenOutput) -> Bool {
        var newest: String?
        for entry in entries {
            do {
                switch try ScreenEntry(fields: entry.fields) {
                case .screen(let screen):
                    newest = screen
                case .ended(let status, let screen):
                    if let screen = screen ?? newest { output.screen(screen) }
                    output.end(status)
                    return true
                }
            } catch {
                logger.debug("screen entry skipped", metadata: ["entry": "\(entry.id)", "error": "\(error.message)"])
            }
        }
        if let newest { output.screen(newest) }
        return false
    }
}
