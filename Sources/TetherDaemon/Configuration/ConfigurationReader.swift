import TetherCore
import Yams

/// Walks one YAML mapping, reading known keys into typed values and remembering which keys it used,
/// so that anything it did not use is reported as an unknown key with its path and line.
struct ConfigurationReader {
    let source: String
    let path: String
    let line: Int
    private let pairs: [(key: String, line: Int, value: Node)]
    private var used: Set<String> = []
    private let environment: [String: String]

    /// The root of a document; an empty document reads as an empty mapping.
    init(root: Node?, source: String, environment: [String: String]) throws {
        try self.init(node: root ?? Node([(Node, Node)]()), path: "", source: source, environment: environment)
    }

    private init(node: Node, path: String, source: String, environment: [String: String]) throws {
        self.source = source
        self.path = path
        self.line = node.mark?.line ?? 0
        self.environment = environment
        guard case .mapping(let mapping) = node else {
            throw Self.error(source, node.mark?.line ?? 0, path.isEmpty ? "the document" : path, "must be a mapping of keys to values")
        }
        var pairs: [(String, Int, Node)] = []
        for (key, value) in mapping {
            guard let name = key.string else {
                throw Self.error(source, key.mark?.line ?? 0, path, "has a key that is not a string")
            }
            if pairs.contains(where: { $0.0 == name }) {
                throw Self.error(source, key.mark?.line ?? 0, Self.join(path, name), "is given twice; keep one")
            }
            pairs.append((name, key.mark?.line ?? 0, value))
        }
        self.pairs = pairs
    }

    static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : path + "." + key }

    static func error(_ source: String, _ line: Int, _ path: String, _ message: String) -> TetherError {
        TetherError(.invalidConfiguration, "\(source):\(line): \(path) \(message)")
    }

    /// The keys present in this mapping, in file order.
    var keys: [String] { pairs.map(\.key) }

    private mutating func node(_ key: String) -> Node? {
        used.insert(key)
        guard let node = pairs.first(where: { $0.key == key })?.value, node.null == nil else { return nil }
        if case .scalar(let scalar) = node, scalar.string.isEmpty, scalar.style == .plain { return nil }
        return node
    }

    private func line(of node: Node) -> Int { node.mark?.line ?? line }

    /// Reads a nested mapping with `body`, then checks it has no unknown keys.
    mutating func section(_ key: String, _ body: (inout ConfigurationReader) throws -> Void) throws {
        guard let node = node(key) else { return }
        var reader = try ConfigurationReader(node: node, path: Self.join(path, key), source: source, environment: environment)
        try body(&reader)
        try reader.finish()
    }

    /// Reads every entry of a mapping whose keys are names chosen by the user (agents).
    mutating func entries(_ key: String, _ body: (String, inout ConfigurationReader) throws -> Void) throws {
        guard let node = node(key) else { return }
        var outer = try ConfigurationReader(node: node, path: Self.join(path, key), source: source, environment: environment)
        for name in outer.keys {
            try outer.section(name) { try body(name, &$0) }
        }
    }

    /// Reads a sequence of mappings.
    mutating func list(_ key: String, _ body: (inout ConfigurationReader) throws -> Void) throws {
        guard let node = node(key) else { return }
        let itemPath = Self.join(path, key)
        guard case .sequence(let sequence) = node else {
            throw Self.error(source, line(of: node), itemPath, "must be a list")
        }
        for (index, item) in sequence.enumerated() {
            var reader = try ConfigurationReader(node: item, path: "\(itemPath)[\(index)]", source: source, environment: environment)
            try body(&reader)
            try reader.finish()
        }
    }

    /// A scalar's text with `${VAR}` and `${VAR:-default}` expanded from the environment.
    private mutating func text(_ key: String, expecting kind: String) throws -> (String, Int)? {
        guard let node = node(key) else { return nil }
        let keyPath = Self.join(path, key)
        guard case .scalar(let scalar) = node else {
            throw Self.error(source, line(of: node), keyPath, "must be \(kind), not a \(node.isMapping ? "mapping" : "list")")
        }
        return (try expand(scalar.string, keyPath: keyPath, line: line(of: node)), line(of: node))
    }

    private func expand(_ text: String, keyPath: String, line: Int) throws -> String {
        guard text.contains("${") else { return text }
        var result = ""
        var rest = Substring(text)
        while let start = rest.range(of: "${") {
            result += rest[..<start.lowerBound]
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else {
                throw Self.error(source, line, keyPath, "has an unclosed ${ in \"\(text)\"; write ${NAME}")
            }
            let body = rest[start.upperBound..<end]
            let (name, fallback): (Substring, Substring?) = {
                if let dash = body.range(of: ":-") { return (body[..<dash.lowerBound], body[dash.upperBound...]) }
                return (body, nil)
            }()
            if let value = environment[String(name)], !value.isEmpty {
                result += value
            } else if let fallback {
                result += fallback
            } else {
                throw Self.error(
                    source, line, keyPath,
                    "uses ${\(name)}, which is not set in the environment; set it, or write ${\(name):-default}"
                )
            }
            rest = rest[rest.index(after: end)...]
        }
        return result + rest
    }

    mutating func read(_ key: String, into value: inout String) throws {
        if let (text, _) = try text(key, expecting: "a string") { value = text }
    }

    mutating func read(_ key: String, into value: inout Bool) throws {
        guard let (text, line) = try text(key, expecting: "true or false") else { return }
        switch text.lowercased() {
        case "true", "yes", "on": value = true
        case "false", "no", "off": value = false
        default: throw Self.error(source, line, Self.join(path, key), "must be true or false, not \"\(text)\"")
        }
    }

    mutating func read(_ key: String, into value: inout Double, in range: ClosedRange<Double>, unit: String = "seconds") throws {
        guard let (text, line) = try text(key, expecting: "a number") else { return }
        let keyPath = Self.join(path, key)
        guard let number = Double(text), number.isFinite else {
            throw Self.error(source, line, keyPath, "must be a number of \(unit), not \"\(text)\"")
        }
        guard range.contains(number) else {
            throw Self.error(source, line, keyPath, "is \(text), out of range: allowed \(range.lowerBound) to \(range.upperBound) \(unit)")
        }
        value = number
    }

    mutating func read(_ key: String, into value: inout Int, in range: ClosedRange<Int>) throws {
        guard let (text, line) = try text(key, expecting: "a whole number") else { return }
        let keyPath = Self.join(path, key)
        guard let number = Int(text) else {
            throw Self.error(source, line, keyPath, "must be a whole number, not \"\(text)\"")
        }
        guard range.contains(number) else {
            throw Self.error(source, line, keyPath, "is \(text), out of range: allowed \(range.lowerBound) to \(range.upperBound)")
        }
        value = number
    }

    /// Reads a scalar and converts it with `parse`, which returns nil for a value it rejects.
    mutating func read<T>(_ key: String, into value: inout T, expecting: String, parse: (String) -> T?) throws {
        guard let (text, line) = try text(key, expecting: expecting) else { return }
        guard let parsed = parse(text) else {
            throw Self.error(source, line, Self.join(path, key), "must be \(expecting), not \"\(text)\"")
        }
        value = parsed
    }

    /// An error about this mapping as a whole (a rule between two keys).
    func invalid(_ message: String) -> TetherError {
        Self.error(source, line, path, message)
    }

    /// Fails on the first key that nobody read.
    func finish() throws {
        for (key, keyLine, _) in pairs where !used.contains(key) {
            let known = used.sorted().joined(separator: ", ")
            throw Self.error(
                source, keyLine, Self.join(path, key),
                "is not a known key; known keys here: \(known)"
            )
        }
    }
}

extension Node {
    fileprivate var isMapping: Bool { if case .mapping = self { true } else { false } }
}
