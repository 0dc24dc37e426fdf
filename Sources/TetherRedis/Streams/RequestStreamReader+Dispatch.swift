import Logging
import TetherCore

extension RequestStreamReader {
    /// Reads one entry and queues its handling behind earlier entries of the same session, on a
    /// slot the caller reserved (given back here when nothing is to run).
    func dispatch(_ entry: StreamEntry) {
        let parsed: MessageEntry
        do {
            parsed = try MessageEntry(fields: entry.fields)
        } catch {
            counters.withLock { $0.rejected += 1 }
            logger.warning("request entry refused", metadata: ["entry": "\(entry.id)", "field": "\(error.field)", "error": "\(error.message)"])
            // A system entry is never answered; anything else may have a requester waiting.
            guard entry.fields.values["type"] != Array(SystemEntry.typeValue.utf8) else { return dispatcher.release() }
            dispatcher.start(reserved: nil) { await self.answer(entry.id, with: ReplyEnvelope.failure(error)) }
            return
        }
        switch parsed {
        case .system(let system):
            counters.withLock { $0.handled += 1 }
            dispatcher.release()
            logger.info("system entry ignored", metadata: [
                "entry": "\(entry.id)", "command": "\(system.command.prefix(64))", "from": "\(system.fromComputer ?? "-")",
            ])
        case .request(let request):
            dispatcher.start(reserved: request.sessionID) {
                let envelope = await self.handler.reply(to: request)
                self.counters.withLock { $0.handled += 1 }
                if let envelope { await self.answer(entry.id, with: envelope) }
            }
        }
    }

    /// Writes the one reply; a failure is logged (the requester then times out, nothing to retry).
    func answer(_ requestID: String, with envelope: [UInt8]) async {
        do {
            try await replies.write(envelope, answering: requestID)
        } catch {
            logger.warning("cannot write the reply to a request", metadata: ["entry": "\(requestID)", "error": "\(error.message)"])
        }
    }
}
