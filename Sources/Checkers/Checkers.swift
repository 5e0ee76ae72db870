import OrdealModel
import OrdealSupport

/// The checkers a scenario can name in `checks:`, by name.
///
/// Each is a pure function of the history and the final state (STYLE.md §3, §4): no I/O, no
/// clock, so `ordeal report` can re-check a saved run and get the same verdict.
public enum Checkers {
    public static let names: [String] = all.map(\.name)

    public static var all: [any Checker] {
        [
            AckedDurableChecker(), IntegrityChecker(), SequenceContiguousChecker(), LeaseSafetyChecker(),
            EffectsAtMostOnceChecker(), ResumeCorrectChecker(), LivenessChecker(), RecoveryTimeChecker(), CacheAnswersChecker(),
        ]
    }

    /// The checker called `name`, or nil when there is none.
    public static func named(_ name: String) -> (any Checker)? {
        all.first { $0.name == name }
    }
}

/// What a checker collects while it reads: violations (each a JSON object naming the rule, the
/// key and the events involved), kept up to `limit` but all counted, and acknowledgements it
/// could not read (a worker that breaks the protocol makes the verdict `unknown`, not `pass`).
struct Findings {
    static let limit = 20

    private(set) var violations = 0
    private(set) var malformed = 0
    private(set) var examples: [JSONValue] = []
    private(set) var firstMalformed: String?

    /// The result of a checker that found nothing to judge: unknown, never a pass.
    static func judgedNothing(_ name: String, _ nothing: String, measurements: [String: Double] = [:]) -> CheckResult {
        var result = CheckResult(name: name, verdict: .unknown, detail: "judged nothing: \(nothing)", measurements: measurements)
        result.judgedSomething = false
        return result
    }

    /// Records one violation of `rule` for `key`, with extra fields and the events that show it.
    mutating func violation(_ rule: String, key: String, _ fields: [String: JSONValue] = [:], events: [HistoryEvent] = []) {
        violations += 1
        guard examples.count < Self.limit else { return }
        var object = fields
        object["rule"] = .string(rule)
        object["key"] = .string(key)
        if !events.isEmpty { object["events"] = .array(events.prefix(8).map(\.json)) }
        examples.append(.object(object))
    }

    /// Records an acknowledgement the checker could not interpret.
    mutating func malformed(_ event: HistoryEvent, _ why: String) {
        malformed += 1
        if firstMalformed == nil { firstMalformed = "\(event.op ?? event.type) \(event.key ?? ""): \(why)" }
    }

    /// The result: fail with `failDetail` when anything was violated, unknown when only
    /// malformed acknowledgements were found or when the checker judged nothing (`judged` is 0:
    /// a pass that proved nothing is never a pass; `nothing` says what was missing), else pass
    /// with `passDetail`.
    func result(
        _ name: String, pass passDetail: String, fail failDetail: String, measurements: [String: Double] = [:],
        judged: Int, nothing: String
    ) -> CheckResult {
        if violations > 0 {
            let shown = violations > examples.count ? " (first \(examples.count) shown)" : ""
            return CheckResult(
                name: name, verdict: .fail, detail: failDetail + shown, counterexample: examples, measurements: measurements)
        }
        if let firstMalformed {
            return CheckResult(
                name: name, verdict: .unknown,
                detail: "\(malformed) acknowledgement(s) lack the fields the worker protocol requires, first: \(firstMalformed)",
                measurements: measurements)
        }
        if judged == 0 { return Self.judgedNothing(name, nothing, measurements: measurements) }
        return CheckResult(name: name, verdict: .pass, detail: passDetail, measurements: measurements)
    }
}

extension HistoryEvent {
    /// `value[field]` as a string.
    func string(_ field: String) -> String? { value?[field]?.stringValue }
    /// `value[field]` as an integer.
    func int(_ field: String) -> Int64? { value?[field]?.intValue }

    /// The worker instance and incarnation that wrote the event.
    var incarnationID: IncarnationID { IncarnationID(worker: worker ?? "", incarnation: incarnation) }
}

/// One run of one worker instance: `writer-0` incarnation 2 is its third process.
struct IncarnationID: Hashable, Comparable, CustomStringConvertible {
    var worker: String
    var incarnation: Int

    static func < (a: IncarnationID, b: IncarnationID) -> Bool {
        (a.worker, a.incarnation) < (b.worker, b.incarnation)
    }

    var description: String { "\(worker)#\(incarnation)" }
}
