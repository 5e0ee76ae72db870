import OrdealModel
import OrdealSupport

/// The `corrupt` fault after its kill: once the target is down, the snapshot it last
/// acknowledged (or, `of: artifact`, the artifact that checkpoint's evidence names) is damaged
/// (SnapshotCorruption), recorded as a `corruption` event, and only then may the target restart.
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
            guard case .corrupt(let of) = faults[i].spec.options else { continue }
            let corruption = SnapshotCorruption(dataDirectory: config.dataDirectory)
            let flips: [SnapshotCorruption.Flip]
            let before: [UInt8]
            var settled: [String] = []
            do {
                switch of {
                case .snapshot:
                    before = Array(snapshot.text.utf8)
                    (flips, settled) = try corruption.corrupt(before)
                case .artifact:
                    guard let artifact = snapshot.artifact else {
                        problems.append(
                            "corrupt fault \(i) (of: artifact): the last checkpoint worker \(name) acknowledged (\(snapshot.task) seq \(snapshot.seq)) names no `artifact` in its value, so there was nothing to corrupt; report the file its evidence vouches for, or use `of: snapshot`")
                        continue
                    }
                    (flips, before) = try corruption.corruptArtifact(artifact)
                }
            } catch {
                problems.append("corrupt fault \(i): \(error)")
                continue
            }
            if flips.isEmpty {
                problems.append(
                    "corrupt fault \(i): no file of the data folder holds the \(of.rawValue) of \(snapshot.task) seq \(snapshot.seq) as its worker reported it (compressed, encrypted, empty or kept elsewhere?), so nothing was corrupted")
            }
            faults[i].effects["corrupted"] = [
                "task": .string(snapshot.task), "seq": .int(snapshot.seq), "of": .string(of.rawValue),
                "bytes_flipped": .int(Int64(flips.count)),
            ]
            try record([
                "type": .string(Corruption.eventType), "t_ms": .double(now()), "fault": .int(Int64(i)),
                "worker": .string(name), "group": .string(instance.group.name), "key": .string(snapshot.task),
                "seq": .int(snapshot.seq), "of": .string(of.rawValue),
                "sha256": .array([before, SnapshotCorruption.damaged(before)].map { .string(Digest.sha256Hex($0)) }),
                "flips": .array(flips.map(\.json)),
                "settled": .array(settled.map { .string($0) }),
            ])
        }
    }
}
