import Foundation

/// Reading a project's roadmap, as `list_todos` and `GET /todos` report it (PROTOCOL.md §3).
extension TodoItem {
    /// The roadmap's largest size read.
    public static let maximumRoadmapBytes = 1 << 20

    /// Reads `<project>/todos/roadmap.md`: `- [ ] slug` pending, `- [.] slug` ready, `- [>] slug`
    /// in progress; lines indented 6 or more spaces below an item are its description. Blocks: call
    /// it on a worker thread.
    public static func read(project: String) -> [TodoItem] {
        let roadmap = project + "/todos/roadmap.md"
        guard let handle = FileHandle(forReadingAtPath: roadmap) else { return [] }
        defer { try? handle.close() }
        let data = (try? handle.read(upToCount: maximumRoadmapBytes)) ?? Data()
        var todos: [TodoItem] = []
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.drop { $0 == " " }
            let statuses: [(String, String)] = [("- [ ] ", "pending"), ("- [.] ", "ready"), ("- [>] ", "in_progress")]
            if let (prefix, status) = statuses.first(where: { trimmed.hasPrefix($0.0) }), line.count - trimmed.count < 6 {
                let slug = trimmed.dropFirst(prefix.count).trimmingCharacters(in: .whitespaces)
                guard !slug.isEmpty, !slug.contains("/"), slug != ".", slug != ".." else { continue }
                let base = project + "/todos/" + slug
                todos.append(TodoItem(slug: slug, status: status, description: nil,
                                  hasRequirements: FileManager.default.fileExists(atPath: base + "/requirements.md"),
                                  hasImplementationPlan: FileManager.default.fileExists(atPath: base + "/implementation-plan.md")))
            } else if line.count - trimmed.count >= 6, !trimmed.isEmpty, !todos.isEmpty {
                let text = trimmed.trimmingCharacters(in: .whitespaces)
                todos[todos.count - 1].description = todos[todos.count - 1].description.map { $0 + "\n" + text } ?? text
            }
        }
        return todos
    }
}
