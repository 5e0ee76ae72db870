import OrdealSupport
import RecoveryCore

/// `reader [--effects PATH]`: reports what the backend holds at the end of a scenario, as one
/// `{"event":"state","state":{...}}` line in the format of docs/worker-protocol.md: the
/// integrity check, every checkpoint (with whether the core's read path accepts its snapshot),
/// every work item, every idempotency entry, every task's state and the effect counts.
enum ReaderRole {
    static func run(options: WorkerOptions, backend: any RecoveryBackend, events: EventWriter) throws -> Int {
        let effects = options.string("effects", default: "")
        let state = try state(of: backend, effectsPath: effects.isEmpty ? nil : effects)
        // Far above PIPE_BUF for a large database: `emit` keeps writing until all of it is out.
        events.emit(["event": "state", "state": state])
        return 0
    }

    static func state(of backend: any RecoveryBackend, effectsPath: String?) throws -> JSONValue {
        let taskIDs = try backend.checkpointTaskIDs()
        var checkpoints: [JSONValue] = []
        let manager = CheckpointManager(store: backend)
        for task in taskIDs {
            let rows = try backend.checkpoints(CheckpointQuery(taskID: task, limit: Int(Int32.max)))
            for row in rows.sorted(by: { $0.sequence < $1.sequence }) {
                checkpoints.append([
                    "task": .string(row.taskID), "seq": .int(row.sequence), "sha256": .string(row.snapshotSHA256),
                    "snapshot_ok": .bool(try snapshotReadsBack(row, through: manager)),
                    "verified": .bool(row.verified), "type": .string(row.type),
                    "evidence": try JSONParser.parse(row.evidence),
                ])
            }
        }
        let workItems: [JSONValue] = try backend.workItems(status: nil, ids: nil).map { item in
            [
                "id": .string(item.id), "status": .string(item.status.rawValue), "token": .int(item.fencingToken),
                "released_token": item.releasedToken.map { .int($0) } ?? .null,
                "output": item.output.map { .string($0) } ?? .null, "attempts": .int(item.attempts),
                "max_attempts": .int(item.maxAttempts),
            ]
        }
        var idempotency: [JSONValue] = []
        for kind in IdempotencyKind.allCases {
            for entry in try backend.entries(kind: kind, taskID: nil, limit: Int(Int32.max)) {
                idempotency.append([
                    "key": .string(entry.key), "kind": .string(entry.kind.rawValue),
                    "status": .string(entry.status.rawValue), "result": entry.result.map { .string($0) } ?? .null,
                ])
            }
        }
        var effects: [String: JSONValue] = [:]
        if let effectsPath {
            for (line, count) in try Effects.counts(effectsPath) { effects[line] = .int(Int64(count)) }
        }
        return [
            "integrity_problems": .array(try backend.integrityProblems().map { .string($0) }),
            "checkpoints": .array(checkpoints),
            "work_items": .array(workItems),
            "idempotency": .array(idempotency),
            "tasks": .object(try tasks(of: backend, checkpointTasks: taskIDs)),
            "effects": .object(effects),
        ]
    }

    /// Whether the core's own read path (`CheckpointManager.decode`, the one a resume uses)
    /// accepts the stored snapshot: false when it reports the snapshot corrupt. Reading it here
    /// through the core, not re-hashing it beside the core, is what lets a `corrupt` fault judge
    /// the core's check.
    static func snapshotReadsBack(_ row: CheckpointRow, through manager: CheckpointManager) throws -> Bool {
        do {
            _ = try manager.decode(row)
            return true
        } catch let error as RecoveryError where error.code == .corruptSnapshot {
            return false
        }
    }

    /// Every row of the `tasks` table. A backend other than SQLite is asked about each task
    /// that has checkpoints (the storage interface cannot list tasks).
    static func tasks(of backend: any RecoveryBackend, checkpointTasks: [String]) throws -> [String: JSONValue] {
        var tasks: [String: JSONValue] = [:]
        if let sqlite = backend as? SQLiteBackend {
            for row in try sqlite.rows("SELECT task_id, state FROM tasks ORDER BY task_id") {
                if case .text(let id) = row[0], case .text(let state) = row[1] { tasks[id] = .string(state) }
            }
        } else {
            for id in checkpointTasks {
                if let record = try backend.task(id: id) { tasks[id] = .string(record.state.rawValue) }
            }
        }
        return tasks
    }
}
