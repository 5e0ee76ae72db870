import OrdealSystem
import OrdealSupport
import RecoveryCore

/// The evidence `checkpoint-writer --evidence SHAPE` commits each checkpoint with. `exit` is
/// sound evidence; the others are vacuous: evidence that cannot prove the step happened, which
/// a sound core stores unverified (issue #11, class 15). The checkers judge the verdict against
/// the evidence itself (integrity, `vacuous-evidence-verified`, `stale-verification`).
public enum EvidenceShape: String, CaseIterable, Sendable {
    /// The write's exit code, observed and as expected: verifies.
    case exit
    /// A command whose exit code was never observed (the call was interrupted before it
    /// returned): must not verify.
    case noExit = "no-exit"
    /// An empty evidence pack: must not verify.
    case empty
    /// A database row that names no column to match, so any row at all would satisfy it (a
    /// forgeable item): must not verify.
    case anyRow = "any-row"
    /// The step's output file, vouched for by its hash: verifies at the commit; the writer then
    /// removes the file and asks the core to verify the checkpoint again (`checkpoint.recheck`),
    /// which must now say it does not hold.
    case artifactRemoved = "artifact-removed"

    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }

    static func parse(_ options: WorkerOptions) throws -> EvidenceShape {
        let text = options.string("evidence", default: "exit")
        guard let shape = EvidenceShape(rawValue: text) else {
            throw WorkerOptions.UsageError(description: "ordeal-worker: --evidence must be one of \(names), not '\(text)'")
        }
        return shape
    }

    /// Whether the shape needs `--evidence-dir` for its files.
    var needsFolder: Bool { self == .anyRow || self == .artifactRemoved }

    /// Prepares what the shape's evidence points at in `folder` (a database with one row of
    /// some other step, for `any-row`).
    func prepare(folder: String?, task: String) throws {
        guard needsFolder else { return }
        guard let folder else {
            throw WorkerOptions.UsageError(description: "ordeal-worker: --evidence \(rawValue) needs --evidence-dir DIR (a scenario passes {data})")
        }
        try Artifacts.prepare(folder)
        if self == .anyRow {
            let db = try SQLiteBackend(path: Self.database(folder, task))
            _ = try db.execute("CREATE TABLE IF NOT EXISTS results(step TEXT NOT NULL)")
            _ = try db.execute("INSERT INTO results(step) VALUES ('some-other-task:0')")
        }
    }

    /// The pack checkpoint `i` of `task` is committed with; writes its artifact first.
    func pack(folder: String?, task: String, i: Int) throws -> EvidencePack {
        switch self {
        case .exit: return EvidencePack([.commandExit(command: "write", expected: 0, observed: 0)])
        case .noExit: return EvidencePack([.commandExit(command: "write", expected: 0, observed: nil)])
        case .empty: return .empty
        case .anyRow:
            return EvidencePack([.databaseRow(database: Self.database(folder ?? "", task), table: "results", match: [:])])
        case .artifactRemoved:
            return EvidencePack([try Artifacts.write(Artifacts.path(folder ?? "", task, i), "\(task):\(i)\n")])
        }
    }

    static func database(_ folder: String, _ task: String) -> String { "\(folder)/evidence-\(task).db" }
}
