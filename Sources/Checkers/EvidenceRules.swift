import OrdealModel
import OrdealSupport

/// The part of a checkpoint's evidence that can be judged from the data alone, whatever the
/// world holds: the rules of integrity that catch a verifier passing vacuous evidence
/// (issue #11, class 15), and the premise `vacuous-evidence`.
///
/// An item can hold only if the data allow it: a `command_exit` holds only with an observed
/// exit code equal to the expected one; a `db_row` only when it names at least one column, each
/// a plain identifier (one naming none matches any row, so anyone can forge it); a
/// `file_sha256` only with a 64-hex-digit digest. Files and row contents are the world's, so
/// `artifact_exists`, a well-formed `file_sha256` and a well-formed `db_row` may hold. A pack
/// can verify only when it has items and its policy can be met by those that may hold.
enum EvidenceRules {
    /// Why `pack` (a stored evidence pack) can never verify, or nil when it might.
    static func cannotVerify(_ pack: JSONValue) -> String? {
        let items = pack["items"]?.arrayValue ?? []
        guard !items.isEmpty else { return "its evidence pack is empty" }
        let reasons = items.map(cannotHold)
        let mayHold = reasons.filter { $0 == nil }.count
        let needed: Int
        switch pack["policy"]?["kind"]?.stringValue {
        case "allow_partial": needed = 1
        case "at_least": needed = max(Int(pack["policy"]?["n"]?.intValue ?? 1), 1)
        default: needed = items.count
        }
        guard mayHold < needed else { return nil }
        let why = reasons.compactMap { $0 }
        return "\(items.count - mayHold) of its \(items.count) evidence item(s) cannot hold (\(why.prefix(3).joined(separator: "; "))), and its policy needs \(needed)"
    }

    /// Why one stored evidence item can never hold, or nil when it might.
    static func cannotHold(_ item: JSONValue) -> String? {
        switch item["kind"]?.stringValue {
        case "command_exit":
            guard let observed = item["observed"]?.intValue else {
                return "no exit code was observed for '\(item["command"]?.stringValue ?? "?")'"
            }
            let expected = item["expected"]?.intValue
            return observed == expected ? nil : "'\(item["command"]?.stringValue ?? "?")' exited \(observed), expected \(expected.map(String.init) ?? "none")"
        case "db_row":
            let columns = item["match"]?.objectValue?.keys.sorted() ?? []
            guard !columns.isEmpty else { return "a db_row of \(item["table"]?.stringValue ?? "?") that names no column matches any row" }
            return columns.allSatisfy(SQLIdentifier.isPlain) && SQLIdentifier.isPlain(item["table"]?.stringValue ?? "")
                ? nil : "a db_row naming something other than plain identifiers"
        case "file_sha256":
            let digest = item["sha256"]?.stringValue ?? ""
            return Digest.isSHA256Hex(digest) ? nil : "the digest '\(digest)' is not 64 lower-case hex digits"
        case "artifact_exists": return nil
        default: return "an evidence item of unknown kind \(item["kind"]?.stringValue ?? "(none)")"
        }
    }

    /// The ok rechecks made after the writer removed the checkpoint's artifact.
    static func rechecksAfterRemoval(_ history: History) -> [HistoryEvent] {
        history.ops("checkpoint.recheck", outcome: "ok").filter { $0.value?["artifact_removed"]?.boolValue == true }
    }

    /// Adds integrity's evidence violations: a final checkpoint held verified whose evidence
    /// cannot verify (`vacuous-evidence-verified`), and a recheck after its artifact was removed
    /// that still said verified (`stale-verification`: the verdict came from a cache, not the
    /// file). Returns how many checkpoints and rechecks were judged.
    static func judge(_ history: History, _ final: FinalState, into findings: inout Findings) -> Int {
        var judged = 0
        for record in final.checkpoints {
            guard let evidence = record.evidence, let why = cannotVerify(evidence) else { continue }
            judged += 1
            if record.verified {
                findings.violation(
                    "vacuous-evidence-verified", key: record.task,
                    ["seq": .int(record.seq), "why": .string("the core holds this checkpoint verified, but \(why)")])
            }
        }
        for recheck in rechecksAfterRemoval(history) {
            judged += 1
            if recheck.value?["verified"]?.boolValue != false {
                findings.violation(
                    "stale-verification", key: recheck.key ?? "?",
                    [
                        "seq": recheck.value?["seq"] ?? .null,
                        "why": .string("the core verified this checkpoint again after its artifact was removed, and said it still holds"),
                    ], events: [recheck])
            }
        }
        return judged
    }

    /// Premise `vacuous-evidence`: some checkpoint's evidence could never verify, or some
    /// checkpoint was verified again after its artifact was removed.
    static func premise(_ history: History, _ final: FinalState?) -> (Bool, String) {
        let vacuous = (final?.checkpoints ?? []).filter { $0.evidence.flatMap(cannotVerify) != nil }
        let rechecks = rechecksAfterRemoval(history)
        guard !vacuous.isEmpty || !rechecks.isEmpty else {
            let withEvidence = (final?.checkpoints ?? []).filter { $0.evidence != nil }.count
            return (false, "no checkpoint was committed with evidence that proves nothing (\(withEvidence) of \(final?.checkpoints.count ?? 0) final checkpoints report their evidence) and no checkpoint was verified again after its artifact was removed")
        }
        return (true, "\(vacuous.count) checkpoint(s) hold evidence that proves nothing, \(rechecks.count) recheck(s) followed an artifact's removal")
    }
}
