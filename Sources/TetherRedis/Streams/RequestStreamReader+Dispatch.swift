import Logging
import TetherCore

extension RequestStreamReader {
    /// Reads one entry and queues its handling behind earlier entries of the same session.
    func dispatch(_ entry: StreamEntry) async {
        let parsed: MessageEntry
        do {
            parsed = try MessageEntry(fields: entry.fields)
        } catch {
            counters.withLock { $0.rejected += 1 }
            logger.warning("request entry refused", metadata: ["entry": "\(entry.id)", "field": "\(error.field)", "error": "\(error.message)"])
            // A system entry is never answered; anything else may have a requester waiting.
            guard entry.fields.values["type"] != Array(SystemEntry.typeValue.utf8) else { return }
            await dispatcher.submit(session: nil) { await self.answer(entry.id, with: ReplyEnvelope.failure(error)) }
            return
        }
        switch parsed {
        case .system(let system):
            counters.withLock { $0.handled += 1 }
            logger.info("system entry ignored", metadata: [
                "entry": "\(entry.id)", "command": "\(system.command.prefix(64))", "from": "\(system.fromComputer ?? "-")",
            ])
        case .request(let request):
            await dispatcher.submit(session: request.sessionID) {
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
