import Foundation

/// Session titles as the Python daemon writes them, so both list alike: `{project}: {prefix} -
/// {description}`, the prefix `{Agent}-{mode}@{computer}` for an agent (mode `slow` when none is
/// given) or `${computer}` for a shell, the description `Untitled` when none is given. A title a
/// live session already has gets ` (2)`, ` (3)`, ... so each can be told apart in a list.
enum SessionTitleBuilder {
    static func title(directory: String, agent: String?, mode: String?, description: String?, computer: String,
                      taken: Set<String>) -> String {
        let project = (directory as NSString).lastPathComponent
        let prefix = agent.map { "\($0.prefix(1).uppercased() + $0.dropFirst())-\(mode ?? "slow")@\(computer)" } ?? "$\(computer)"
        let base = "\(project.isEmpty ? "/" : project): \(prefix) - \(description.flatMap { $0.isEmpty ? nil : $0 } ?? "Untitled")"
        guard taken.contains(base) else { return base }
        var number = 2
        while taken.contains("\(base) (\(number))") { number += 1 }
        return "\(base) (\(number))"
    }
}
