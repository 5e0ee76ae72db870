import OrdealModel
import OrdealSupport

/// The `corrupt` fault after its kill: once the target is down, the snapshot it last
/// acknowledged is damaged in the data files (SnapshotCorruption), recorded as a `corruption`
/// event, and only then may the target restart.
extension ScenarioRun {
    func completeCorruptions() throws {
        for i in pendingCorruptions {
            let name = faults[i].target
            guard let instance = instances[name], !instance.running else { continue }
            pendingCorruptions.removeAll { $0 == i }
            guard let snapshot = instance.lastSnapshot else {
                problems.append(
                    "corrupt fault \(i): worker \(name) acknowledged no op carrying its checkpoint's `seq` and `snapshot` before the kill, so there was nothing to corrupt; report each commit with them (docs/worker-protocol.md, \"Values\") or trigger the fault later")
                continue
            }
            let result: (flips: [SnapshotCorruption.Flip], settled: [String])
            do {
                result = try SnapshotCorruption(dataDirectory: config.dataDirectory).corrupt(Array(snapshot.text.utf8))
            } catch {
                problems.append("corrupt fault \(i): \(error)")
                continue
            }
            if result.flips.isEmpty {
                problems.append(
                    "corrupt fault \(i): no file of the data folder holds the snapshot of \(snapshot.task) seq \(snapshot.seq) as its worker reported it (compressed, encrypted or kept elsewhere?), so nothing was corrupted")
            }
            faults[i].effects["corrupted"] = [
                "task": .string(snapshot.task), "seq": .int(snapshot.seq), "bytes_flipped": .int(Int64(result.flips.count)),
            ]
            try record([
                "type": .string(Corruption.eventType), "t_ms": .double(now()), "fault": .int(Int64(i)),
                "worker": .string(name), "group": .string(instance.group.name), "key": .string(snapshot.task),
                "seq": .int(snapshot.seq),
                "sha256": .array([Array(snapshot.text.utf8), SnapshotCorruption.damaged(Array(snapshot.text.utf8))].map { .string(Digest.sha256Hex($0)) }),
                "flips": .array(result.flips.map(\.json)),
                "settled": .array(result.settled.map { .string($0) }),
            ])
        }
    }
}
