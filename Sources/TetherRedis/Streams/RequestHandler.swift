import Logging
import TetherCore

/// Turns one request of `messages:{computer}` into a call of the command layer the API uses, and
/// its outcome into the reply envelope (PROTOCOL.md §2, §3). It never throws: a failing command
/// is an error envelope (§9 defect 3).
public struct RequestHandler: Sendable {
    /// The `adapter` of messages typed for a peer, and the `origin` of sessions it starts.
    public static let origin = "redis"

    let commands: any SessionCommands
    let computer: String
    let logger: Logger
    /// Where `watch_screen` leases go; without it the command has no handler here.
    let screens: ScreenPublisher?

    /// A handler running requests on `commands` for this computer, `computer`; `screens` serves `watch_screen`.
    public init(commands: any SessionCommands, computer: String, screens: ScreenPublisher? = nil, logger: Logger) {
        self.commands = commands
        self.computer = computer
        self.screens = screens
        self.logger = logger
    }

    /// The envelope answering `request`, or nil when no reply is written (a command of no words).
    public func reply(to request: PeerRequest) async -> [UInt8]? {
        let command: PeerCommand
        do {
            command = try PeerCommand(parsing: request.command)
        } catch where error.code == .emptyCommand {
            logger.warning("request skipped: its command holds no words", metadata: ["peer": "\(request.initiator)"])
            return nil
        } catch {
            logger.warning("request refused", metadata: ["peer": "\(request.initiator)", "error": "\(error.message)"])
            return ReplyEnvelope.failure(error)
        }
        if case .unknown(let name) = command {
            logger.warning("request for a command without a handler", metadata: ["peer": "\(request.initiator)", "command": "\(name.prefix(64))"])
            return ReplyEnvelope.noHandler(for: name)
        }
        if command.requiresSession, request.sessionID == nil {
            return ReplyEnvelope.failure("\(command.name) needs the 'session_id' field naming a session of \(computer) (PROTOCOL.md §3).",
                                         code: ReplyEnvelope.Code.invalidRequest)
        }
        do {
            return try await run(command, for: request)
        } catch {
            logger.warning("request failed", metadata: ["peer": "\(request.initiator)", "command": "\(command.name)", "error": "\(error)"])
            // A Python requester reads only `error`; a Tether one tells "not here" from "failed this time".
            let notFound = (error as? TetherError)?.code == .notFound
            return ReplyEnvelope.failure("\(command.name) failed on \(computer): \(error)", code: notFound ? ReplyEnvelope.Code.notFound : nil)
        }
    }

    private func run(_ command: PeerCommand, for request: PeerRequest) async throws -> [UInt8] {
        let session = request.sessionID ?? ""
        switch command {
        case .newSession(let description): return try await newSession(description, request)
        case .listSessions: return ReplyEnvelope.success(encodedData: Session.jsonArray(await commands.listSessions()))
        case .listProjects: return ReplyEnvelope.success(commands.listProjects().map { $0.listed(as: .peer) })
        case .listTodos(let path):
            // Without a path the Python daemon answers `[]`; a path that is not a trusted dir reads nothing.
            guard let path else { return ReplyEnvelope.success([TodoItem]()) }
            return ReplyEnvelope.success(try await commands.todos(project: path))
        case .getComputerInfo:
            let (info, stats) = await commands.computerInfo()
            return ReplyEnvelope.success(ComputerReport(info, stats: stats))
        case .getSessionData(let range): return await sessionData(session, range)
        case .message(let text):
            try await commands.sendMessage(sessionID: session, text: text, adapter: Self.origin)
            return ReplyEnvelope.success()
        case .key(let press):
            try await pressKey(press, session: session)
            return ReplyEnvelope.success()
        case .endSession(let target): return try await endSession(target ?? request.sessionID)
        case .sessionTerminated:
            try await commands.endSession(sessionID: session)
            return ReplyEnvelope.success()
        case .stopNotifications(let target, let caller):
            // No caller listens to a session here yet, so there is nothing to stop: say so in the reply.
            logger.info("stop_notifications accepted", metadata: ["session.id": "\(target)", "caller": "\(caller ?? "-")"])
            return ReplyEnvelope.success(StatusMessage(status: WireStatus.success, message: "No notifications were registered for \(target)."))
        case .stopNotification(let target, let source, let title):
            // Typed into the local sessions waiting on it, on their own tasks; never forwarded again (§9 defect 6).
            logger.info("notification from a peer", metadata: ["command": "\(command.name)", "session.id": "\(target)", "source": "\(source)"])
            await commands.receiveAgentNotice(sessionID: target, from: source, kind: .turnEnded, text: title)
            return ReplyEnvelope.success()
        case .inputNotification(let target, let source, let message):
            logger.info("notification from a peer", metadata: ["command": "\(command.name)", "session.id": "\(target)", "source": "\(source)"])
            await commands.receiveAgentNotice(sessionID: target, from: source, kind: .needsInput, text: message)
            return ReplyEnvelope.success()
        case .changeDirectory(let target):
            switch target {
            case .listTrusted:
                // The Python daemon lists the trusted dirs in its chat; a peer reads them with list_projects.
                return ReplyEnvelope.success(commands.listProjects().map { $0.listed(as: .peer) })
            case .defaultDirectory: try await commands.changeDirectory(sessionID: session, path: nil)
            case .path(let path): try await commands.changeDirectory(sessionID: session, path: path)
            }
            return ReplyEnvelope.success()
        case .startAgent(let start):
            try await commands.startAgent(sessionID: session, agent: start.agent.rawValue, thinkingMode: start.mode?.rawValue,
                                          arguments: start.arguments)
            return ReplyEnvelope.success()
        case .resumeAgent(let agent):
            try await commands.resumeAgent(sessionID: session, agent: agent?.rawValue)
            return ReplyEnvelope.success()
        case .restartAgent(let agent):
            try await commands.restartAgent(sessionID: session, agent: agent?.rawValue)
            return ReplyEnvelope.success()
        case .rename(let words):
            try await commands.rename(sessionID: session, words: words)
            return ReplyEnvelope.success()
        case .watchScreen(let seconds): return try await watchScreen(session, leaseSeconds: seconds, watcher: request.initiator)
        case .answer(let choice):
            // A refusal (no dialog open, no such choice) travels back as the error envelope, its reason intact.
            try await commands.answer(sessionID: session, choice: choice)
            return ReplyEnvelope.success()
        case .unknown(let name):
            return ReplyEnvelope.noHandler(for: name)
        }
    }
}

/// `{status, message}`: `end_session` and `stop_notifications` (PROTOCOL.md §9 defect 5).
struct StatusMessage: WireEncodable {
    var status: String
    var message: String

    func write(to json: inout JSONWriter) {
        json.beginObject()
        json.member("status", status)
        json.member("message", message)
        json.endObject()
    }
}
