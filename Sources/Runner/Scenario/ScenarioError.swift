import OrdealSupport
import OrdealModel
import OrdealSystem
/// Everything wrong with one or more scenario files, one `Problem` per finding.
///
/// The loader never stops at the first problem: it validates every field of every file and
/// reports them together, so one run of `ordeal run` shows the whole list of fixes.
public struct ScenarioError: Error, CustomStringConvertible, Sendable, Hashable {
    /// One finding: where it is (file, line, field path) and a sentence naming the fix.
    public struct Problem: Sendable, Hashable, CustomStringConvertible {
        /// The file (or directory) as it was given, e.g. `Scenarios/kill9.yaml`.
        public var file: String
        /// The 1-based line, when the YAML parser knows it.
        public var line: Int?
        /// The field path, e.g. `faults[0].kind`; empty for problems with the file itself.
        public var field: String
        /// A sentence saying what is wrong, the valid choices and the fix.
        public var message: String

        public init(file: String, line: Int?, field: String, message: String) {
            self.file = file
            self.line = line
            self.field = field
            self.message = message
        }

        /// `FILE:LINE: FIELD: MESSAGE`, leaving out the parts that are unknown.
        public var description: String {
            var out = file
            if let line { out += ":\(line)" }
            if !field.isEmpty { out += (out.isEmpty ? "" : ": ") + field }
            return out + (out.isEmpty ? "" : ": ") + message
        }
    }

    public var problems: [Problem]

    public init(problems: [Problem]) {
        self.problems = problems
    }

    /// One line per problem.
    public var description: String {
        problems.map(\.description).joined(separator: "\n")
    }
}

extension ScenarioError: ExitStatusProviding {
    /// A malformed or missing scenario is the caller's to correct.
    public var exitStatus: ExitStatus { .badInput }
}
