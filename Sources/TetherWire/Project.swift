/// A project directory offered to clients (a trusted dir).
public struct Project: Sendable, Equatable {
    public var name: String
    public var description: String
    public var path: String

    public init(name: String, description: String, path: String) {
        self.name = name
        self.description = description
        self.path = path
    }

    /// The three layouts the wire has for one project (PROTOCOL.md §3, §5, §6).
    public enum Shape: Sendable {
        /// `list_projects` over Redis: `{name, desc, path}`.
        case peer
        /// `GET /projects`: `{computer, name, path, description}` (and `todos` when listed with them).
        case rest
        /// The WebSocket snapshots: the REST layout plus the baseline TUI's `desc`.
        case snapshot
    }

    /// This project as one entry of a listing of `computer`'s projects (peers list only their own: no computer).
    public func listed(on computer: String? = nil, as shape: Shape, todos: [TodoItem]? = nil) -> Listing {
        Listing(computer: computer, project: self, shape: shape, todos: todos)
    }

    /// One project as a listing writes it.
    public struct Listing: Sendable, Equatable, WireEncodable {
        public var computer: String?
        public var project: Project
        public var shape: Shape
        public var todos: [TodoItem]?

        public func write(to json: inout JSONWriter) {
            json.beginObject()
            if shape != .peer { json.member(CodingKeys.computer, computer) }
            json.member(CodingKeys.name, project.name)
            if shape == .peer {
                json.member(CodingKeys.desc, project.description)
            }
            json.member(CodingKeys.path, project.path)
            if shape != .peer { json.member(CodingKeys.description, project.description) }
            if shape == .snapshot { json.member(CodingKeys.desc, project.description) }
            if let todos { json.member(CodingKeys.todos, todos) }
            json.endObject()
        }
    }
}

extension Project: Decodable {
    public enum CodingKeys: String, CodingKey { case computer, name, desc, path, description, todos }

    /// Reads any of the three layouts: `description` or the peers' `desc`.
    public init(from decoder: any Decoder) throws {
        let values = try decoder.container(keyedBy: CodingKeys.self)
        name = try values.decode(String.self, forKey: .name)
        path = try values.decode(String.self, forKey: .path)
        description = try values.decodeIfPresent(String.self, forKey: .description)
            ?? values.decodeIfPresent(String.self, forKey: .desc) ?? ""
    }
}

/// A work item from a project's `todos/roadmap.md`, as `list_todos` reports it (PROTOCOL.md §3):
/// `{slug, status, description, has_requirements, has_impl_plan}`.
public struct TodoItem: Sendable, Equatable {
    public var slug: String
    /// `pending`, `ready` or `in_progress`.
    public var status: String
    public var description: String?
    public var hasRequirements: Bool
    public var hasImplementationPlan: Bool

    public init(slug: String, status: String, description: String? = nil, hasRequirements: Bool, hasImplementationPlan: Bool) {
        self.slug = slug
        self.status = status
        self.description = description
        self.hasRequirements = hasRequirements
        self.hasImplementationPlan = hasImplementationPlan
    }
}

extension TodoItem: WireCodable {
    public enum CodingKeys: String, CodingKey {
        case slug, status, description
        case hasRequirements = "has_requirements"
        case hasImplementationPlan = "has_impl_plan"
    }

    public func write(to json: inout JSONWriter) {
        json.beginObject()
        json.member(CodingKeys.slug, slug)
        json.member(CodingKeys.status, status)
        json.member(CodingKeys.description, description)
        json.member(CodingKeys.hasRequirements, hasRequirements)
        json.member(CodingKeys.hasImplementationPlan, hasImplementationPlan)
        json.endObject()
    }
}
