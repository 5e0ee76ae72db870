import OrdealModel
import OrdealSupport

/// `cache-answers`: a cached answer belongs to the request it was generated for. Every ok
/// `cache.generate` and `cache.hit` whose value carries `request` (the SHA-256 of the whole
/// request as the client built it, independent of the key the cache used) is grouped by its
/// answer (`value.value`); two different requests that got the same answer are `answer-shared`:
/// the cache key ignores a field that changes the answer (model, temperature, system prompt,
/// task), so one request was served another's answer. The clients' answers name their request
/// (Ordeal's cache-client answers `answer i for T`), so honest answers never coincide.
/// Measurements: `answers`, `requests`.
public struct CacheAnswersChecker: Checker {
    public let name = "cache-answers"

    public init() {}

    public func check(history: History, final: FinalState, context: CheckContext) -> CheckResult {
        var findings = Findings()
        var firstOfAnswer: [String: HistoryEvent] = [:]
        var requests = Set<String>()
        var reported = Set<String>()
        var judged = 0
        for event in history.events where event.isOK && (event.op == "cache.generate" || event.op == "cache.hit") {
            guard let request = event.string("request") else { continue }
            guard let answer = event.string("value") else {
                findings.malformed(event, "value lacks value")
                continue
            }
            judged += 1
            requests.insert(request)
            guard let first = firstOfAnswer[answer] else {
                firstOfAnswer[answer] = event
                continue
            }
            if first.string("request") != request, reported.insert(answer + "\u{0}" + request).inserted {
                findings.violation(
                    "answer-shared", key: event.key ?? "?",
                    ["answer": .string(answer), "request": .string(request), "answered_request": first.value?["request"] ?? .null],
                    events: [first, event])
            }
        }
        return findings.result(
            name,
            pass: "\(judged) answers to \(requests.count) distinct requests: no two requests shared an answer",
            fail: "\(findings.violations) request(s) got another request's answer: the cache key ignores a field that changes the answer",
            measurements: ["answers": Double(judged), "requests": Double(requests.count)],
            judged: judged, nothing: "no cache op carried the request it answered (value.request)")
    }
}
