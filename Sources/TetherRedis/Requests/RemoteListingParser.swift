import TetherCore

/// Reads the `data` of a peer's `list_sessions` and `list_projects` replies (PROTOCOL.md §3, §7)
/// into the cache's values, leniently: an element that does not parse is left out, not the listing.
enum RemoteListingParser {
    /// The sessions `host` listed, as versions stamped `stamp` (the reply entry's `timestamp`).
    /// A summary that names another computer is left out: a peer reports only its own sessions.
    static func sessions(_ data: JSONValue, host: String, stamp: Timestamp?, now: Timestamp) -> [Session] {
        guard case .array(let elements) = data else { return [] }
        return elements.compactMap { element in
            guard let summary = try? element.decode(as: SessionSummary.self), !summary.sessionID.isEmpty,
                  summary.computer == nil || summary.computer == host else { return nil }
            return Session(remote: record(summary, host: host, now: now), hostStamp: stamp)
        }
    }

    /// A peer's summary as a session row of `host`. Times that do not parse become `now`; a status
    /// Tether does not know (a future one) counts as `active`, the Python daemon's only status.
    static func record(_ summary: SessionSummary, host: String, now: Timestamp) -> SessionRecord {
        let created = summary.createdAt.flatMap { Timestamp(iso8601: $0) } ?? now
        var record = SessionRecord(sessionID: summary.sessionID, computerName: host,
                                   tmuxSessionName: summary.tmuxSessionName ?? SessionRecord.tmuxName(for: summary.sessionID),
                                   createdAt: created)
        record.lastActivity = summary.lastActivity.flatMap { Timestamp(iso8601: $0) } ?? created
        record.title = summary.title
        if let origin = summary.originAdapter { record.originAdapter = origin }
        if let directory = summary.workingDirectory { record.workingDirectory = directory }
        record.thinkingMode = summary.thinkingMode
        record.activeAgent = summary.activeAgent
        record.status = SessionStatus(rawValue: summary.status) ?? .active
        record.lastMessageSent = summary.lastInput
        record.lastFeedbackReceived = summary.lastOutput
        record.initiatorSessionID = summary.initiatorSessionID
        record.exitStatus = summary.exitStatus
        record.exitReason = summary.exitReason
        record.cpuSeconds = summary.cpuSeconds
        record.memoryBytes = summary.memoryBytes
        return record
    }

    /// The projects a peer listed; entries without a path (the Python daemon's own folder comes
    /// first with none) are left out, as nothing can be started there by path.
    static func projects(_ data: JSONValue) -> [Project] {
        guard case .array(let elements) = data else { return [] }
        return elements.compactMap { try? $0.decode(as: Project.self) }
    }

    /// `get_computer_info`'s data as `name`'s entry; nil when it is not an object with a user
    /// (the Python peer drops such a peer too).
    static func computer(_ data: JSONValue, name: String) -> ComputerInfo? {
        guard case .object(let members) = data, let user = members["user"]?.stringValue else { return nil }
        return ComputerInfo(name: name, user: user, role: members["role"]?.stringValue ?? "", host: members["host"]?.stringValue,
                            isLocal: false, systemStats: members["system_stats"].flatMap { try? $0.decode(as: SystemStats.self) })
    }
}
