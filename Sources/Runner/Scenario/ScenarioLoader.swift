import OrdealCheckers
import OrdealSupport
import OrdealModel
import OrdealSystem
import Yams

/// Reads scenario files (docs/scenario-format.md) into `Scenario`s, validating every field.
///
/// Nothing is run until every file is valid: each function either returns fully checked
/// scenarios or throws a `ScenarioError` listing every problem of every file it read, one line
/// each, naming the file, the line, the field, the valid choices and the fix.
public enum ScenarioLoader {
    /// The roles `ordeal-worker` plays; a group with `command` may use any role name.
    public static let builtInRoles = ["checkpoint-writer", "task-runner", "lease-worker", "sweeper", "retention", "cache-client", "tool-client"]
    /// The check names a scenario may list under `checks`.
    public static var checkNames: [String] { Checkers.names }
    /// The storage backends a scenario may name.
    public static let backends = ["sqlite"]
    /// The file extensions read from a directory.
    public static let extensions = ["yaml", "yml"]

    /// A duration as scenario files write it (`250ms`, `1.5s`, `2m`) in milliseconds, for an
    /// option that overrides a scenario field (`ordeal run --liveness`); `option` names it in
    /// the error.
    public static func millis(_ text: String, option: String) throws -> Int64 {
        switch ScenarioParser.parseDuration(text) {
        case .success(let micros) where micros > 0: return Int64(micros / 1000)
        case .success: throw BadInput("\(option): must be more than 0; e.g. 30s")
        case .failure(let message): throw BadInput("\(option): \(message.text)")
        }
    }

    /// The seed of a scenario that gives none: the 64-bit FNV-1a hash of its name's UTF-8 bytes,
    /// its top bit cleared (a seed has 63 bits: `Seed`).
    public static func defaultSeed(forName name: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in name.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash & Seed.max
    }

    /// Loads one scenario file.
    public static func load(path: String) throws(ScenarioError) -> Scenario {
        switch ScenarioFiles.kind(of: path) {
        case .failure(let failure):
            throw ScenarioError(problems: [missing(path, failure)])
        case .success(.directory):
            throw ScenarioError(problems: [.init(file: path, line: nil, field: "", message: "is a directory; pass one scenario file, or load the directory with loadAll(paths:)")])
        case .success:
            return try parse(file: path).get().scenario
        }
    }

    /// Parses `yaml` as the contents of the file at `path`; `path` is used in messages, as
    /// `sourcePath`, and for the default name.
    public static func load(yaml: String, path: String) throws(ScenarioError) -> Scenario {
        try parse(yaml: yaml, path: path).get().scenario
    }

    /// Loads every path: a file, or a directory whose `*.yaml` and `*.yml` files are read in
    /// name order (not recursively). Validates all of them and throws the problems of all
    /// files together, including two scenarios that share a name.
    public static func loadAll(paths: [String]) throws(ScenarioError) -> [Scenario] {
        guard !paths.isEmpty else {
            throw ScenarioError(problems: [.init(file: "", line: nil, field: "", message: "no scenario paths given; pass a scenario file (.yaml) or a directory of them, e.g. Scenarios/")])
        }
        var problems: [ScenarioError.Problem] = []
        var loaded: [(parsed: ScenarioParser.Parsed, file: String)] = []
        for file in expand(paths, problems: &problems) {
            switch parse(file: file) {
            case .success(let parsed): loaded.append((parsed, file))
            case .failure(let error): problems += error.problems
            }
        }
        var firstFile: [String: String] = [:]
        for (parsed, file) in loaded {
            let name = parsed.scenario.name
            if let other = firstFile[name] {
                let how = parsed.nameLine == nil ? "its name comes from the file name; add a distinct `name`" : "rename one"
                problems.append(.init(file: file, line: parsed.nameLine, field: "name", message: "scenario name '\(name)' is also used by \(other); names must be unique: \(how)"))
            } else {
                firstFile[name] = file
            }
        }
        guard problems.isEmpty else { throw ScenarioError(problems: problems) }
        return loaded.map { $0.parsed.scenario }
    }

    // MARK: Files

    /// The files to read: each file path as given, each directory's scenario files by name.
    private static func expand(_ paths: [String], problems: inout [ScenarioError.Problem]) -> [String] {
        var files: [String] = []
        for path in paths {
            switch ScenarioFiles.kind(of: path) {
            case .failure(let failure):
                problems.append(missing(path, failure))
            case .success(.file), .success(.other):
                files.append(path)
            case .success(.directory):
                switch ScenarioFiles.entries(of: path) {
                case .failure(let failure):
                    problems.append(.init(file: path, line: nil, field: "", message: "cannot list the directory: \(failure.reason); check its permissions"))
                case .success(let names):
                    let prefix = path.hasSuffix("/") ? path : path + "/"
                    let found = names.filter(isScenarioFile).sorted().map { prefix + $0 }.filter {
                        if case .success(.file) = ScenarioFiles.kind(of: $0) { return true }
                        return false
                    }
                    if found.isEmpty {
                        problems.append(.init(file: path, line: nil, field: "", message: "no *.yaml or *.yml scenario files in this directory; add one (see docs/scenario-format.md) or pass another path"))
                    }
                    files += found
                }
            }
        }
        // A file named twice (`Scenarios` and `Scenarios/a.yaml`) is read once.
        var seen: Set<String> = []
        return files.filter { seen.insert($0).inserted }
    }

    private static func isScenarioFile(_ name: String) -> Bool {
        !name.hasPrefix(".") && extensions.contains { name.hasSuffix(".\($0)") && name.count > $0.count + 1 }
    }

    private static func missing(_ path: String, _ failure: ScenarioFiles.Failure) -> ScenarioError.Problem {
        let message =
            failure.isMissing
            ? "no such file or directory; pass a scenario file (.yaml) or a directory of them, e.g. Scenarios/"
            : "cannot read: \(failure.reason); check the path and its permissions"
        return .init(file: path, line: nil, field: "", message: message)
    }

    private static func parse(file: String) -> Result<ScenarioParser.Parsed, ScenarioError> {
        switch ScenarioFiles.read(file) {
        case .failure(let failure): .failure(ScenarioError(problems: [missing(file, failure)]))
        case .success(let text): parse(yaml: text, path: file)
        }
    }

    // MARK: YAML

    static func parse(yaml: String, path: String) -> Result<ScenarioParser.Parsed, ScenarioError> {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            return .failure(ScenarioError(problems: [syntaxProblem(error, file: path)]))
        }
        var parser = ScenarioParser(file: path)
        let parsed = parser.scenario(root: root, defaultName: defaultName(path))
        guard let parsed, parser.problems.isEmpty else { return .failure(ScenarioError(problems: parser.problems)) }
        return .success(parsed)
    }

    /// The file name without its directory and `.yaml`/`.yml` extension.
    static func defaultName(_ path: String) -> String {
        let base = path.split(separator: "/").last.map(String.init) ?? path
        for ext in extensions where base.hasSuffix(".\(ext)") && base.count > ext.count + 1 {
            return String(base.dropLast(ext.count + 1))
        }
        return base
    }

    /// A YAML syntax error as a problem at the line libyaml reports.
    static func syntaxProblem(_ error: any Error, file: String) -> ScenarioError.Problem {
        let fix = "fix the YAML syntax (indent with spaces, not tabs; check for a missing ':' or an unclosed quote or bracket)"
        guard let error = error as? YamlError else {
            return .init(file: file, line: nil, field: "yaml", message: "\(error); \(fix)")
        }
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            if context?.text == "expected a single document in the stream" {
                return .init(file: file, line: mark.line, field: "yaml", message: "a second YAML document starts here; put one scenario per file")
            }
            // An unclosed bracket: libyaml notices it where the next line breaks the flow, but
            // the mistake is where the bracket opened.
            if let context, context.text.hasPrefix("while parsing a flow") {
                let bracket = context.text.hasSuffix("mapping") ? "{" : "["
                return .init(
                    file: file, line: context.mark.line, field: "yaml",
                    message: "the '\(bracket)' opened on this line is never closed (libyaml: \(problem), at line \(mark.line)); close it with '\(bracket == "{" ? "}" : "]")' on this line")
            }
            let during = context.map { " (\($0.text), from line \($0.mark.line))" } ?? ""
            return .init(file: file, line: mark.line, field: "yaml", message: "\(problem)\(during); \(fix)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = Array(Set(duplicates)).sorted().map { "'\($0)'" }.joined(separator: ", ")
            return .init(file: file, line: context.mark.line, field: "yaml", message: "key \(keys) appears more than once in one mapping; keep one")
        case .reader(let problem, _, _, _):
            return .init(file: file, line: nil, field: "yaml", message: "\(problem); save the file as UTF-8 text")
        default:
            return .init(file: file, line: nil, field: "yaml", message: "\(error); \(fix)")
        }
    }
}
