extension Session {
    /// `[summary, ...]`: each session's cached bytes spliced, none encoded again.
    public static func jsonArray(_ sessions: [Session]) -> [UInt8] {
        var json = JSONWriter(reservingCapacity: sessions.count * 512 + 2)
        json.beginArray()
        for session in sessions { json.raw(session.summaryJSON) }
        json.endArray()
        return json.bytes
    }

    /// `{status, session_id, project_dir, messages, created_at, last_activity}`, as `get_session_data`
    /// answers and the transcript endpoint nests it.
    public func writeOutput(messages: String, into json: inout JSONWriter) {
        json.beginObject()
        json.member("status", "success")
        json.member("session_id", id)
        json.member("project_dir", record.workingDirectory)
        json.member("messages", messages)
        json.member("created_at", record.createdAt.iso8601)
        json.member("last_activity", record.lastActivity.iso8601)
        json.endObject()
    }
}
