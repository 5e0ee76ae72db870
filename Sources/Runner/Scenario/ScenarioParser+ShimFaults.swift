import OrdealSupport
import OrdealModel
import OrdealSystem
import Yams

/// The parameters of the faults the shim injects (docs/scenario-format.md, "Faults below the
/// process").
extension ScenarioParser {
    static let diskErrnos: [String: Int32] = ["ENOSPC": 28, "EDQUOT": 122]

    /// The kind's own keys, each checked; a key of another kind is reported naming its kind.
    mutating func faultOptions(_ item: Fields, _ field: String, kind: FaultKind) -> FaultOptions? {
        var ok = true
        for other in FaultKind.allCases where other != kind {
            for key in other.traits.optionKeys where item.has(key) && !kind.traits.optionKeys.contains(key) {
                report(item.keyNode(key), "\(field).\(key)", "applies to \(other.rawValue) only; remove it from this \(kind.rawValue) fault")
                ok = false
            }
        }
        let options: FaultOptions?
        switch kind {
        case .kill, .pause: options = FaultOptions.none
        case .corrupt: options = corrupt(item, field)
        case .powerLoss: options = .powerLoss
        case .diskFull: options = diskFull(item, field)
        case .ioError: options = ioError(item, field)
        case .clockSkew: options = clockSkew(item, field)
        case .command: options = command(item, field)
        case .network: options = network(item, field)
        }
        return ok ? options : nil
    }

    private mutating func corrupt(_ item: Fields, _ field: String) -> FaultOptions? {
        guard let node = item["of"] else { return .corrupt(of: .snapshot) }
        guard let value: CorruptTarget = choice(node, "\(field).of", noun: "corruption target") else { return nil }
        return .corrupt(of: value)
    }

    private mutating func diskFull(_ item: Fields, _ field: String) -> FaultOptions? {
        var code: Int32 = 28
        if let node = item["errno"] {
            guard let text = string(node, "\(field).errno") else { return nil }
            guard let value = Self.diskErrnos[text] else {
                report(node, "\(field).errno", "unknown errno '\(text)'; valid: ENOSPC, EDQUOT")
                return nil
            }
            code = value
        }
        var budget: Int64?
        if let node = item["budget"] {
            guard let bytes = byteCount(node, "\(field).budget") else { return nil }
            budget = bytes
        }
        return .diskFull(errno: code, budgetBytes: budget)
    }

    private mutating func ioError(_ item: Fields, _ field: String) -> FaultOptions? {
        var calls: [IOCall] = [.write]
        if let node = item["calls"] {
            guard let value: [IOCall] = choices(node, "\(field).calls", noun: "call", example: "[fsync]") else { return nil }
            calls = value
        }
        var count: Int64?
        if let node = item["count"] {
            guard let value = integer(node, "\(field).count", atLeast: 1) else { return nil }
            count = Int64(value)
        }
        return .ioError(calls: calls, count: count)
    }

    private mutating func clockSkew(_ item: Fields, _ field: String) -> FaultOptions? {
        guard let offsetNode = item["offset"] else {
            report(item.node, "\(field).offset", "missing; a clock-skew needs `offset`, e.g. `offset: 5m` (ahead) or `offset: -30s` (behind)")
            return nil
        }
        guard let offset = signedMillis(offsetNode, "\(field).offset") else { return nil }
        var mode = ClockMode.jump
        if let node = item["mode"] {
            guard let value: ClockMode = choice(node, "\(field).mode", noun: "clock mode") else { return nil }
            mode = value
        }
        var period: Int64 = 0
        if let node = item["period"] {
            guard mode == .strobe else {
                report(item.keyNode("period"), "\(field).period", "applies to mode strobe only; remove it or set `mode: strobe`")
                return nil
            }
            guard let value = millis(node, "\(field).period", positive: true) else { return nil }
            period = value
        } else if mode == .strobe {
            report(item.node, "\(field).period", "missing; a strobe alternates every `period`, e.g. `period: 100ms`")
            return nil
        }
        var rate = 0.0
        if let node = item["rate"] {
            guard mode == .drift else {
                report(item.keyNode("rate"), "\(field).rate", "applies to mode drift only; remove it or set `mode: drift`")
                return nil
            }
            guard case .scalar(let scalar) = node, let value = Double(scalar.string), abs(value) <= 1000 else {
                report(node, "\(field).rate", "expected seconds gained per second, a number between -1000 and 1000 such as 0.5 or -0.1; found \(Self.describe(node))")
                return nil
            }
            rate = value
        } else if mode == .drift {
            report(item.node, "\(field).rate", "missing; a drift gains `rate` seconds per second, e.g. `rate: 0.5`")
            return nil
        }
        var clocks: [SkewedClock] = [.realtime]
        if let node = item["clocks"] {
            guard let value: [SkewedClock] = choices(node, "\(field).clocks", noun: "clock", example: "[realtime, monotonic]")
            else { return nil }
            clocks = value
        }
        return .clockSkew(offsetMillis: offset, mode: mode, periodMillis: period, rate: rate, clocks: clocks)
    }

    /// A non-empty list of values from a fixed set, without repeats, in the order given.
    private mutating func choices<E: RawRepresentable & CaseIterable & Equatable>(
        _ node: Node, _ field: String, noun: String, example: String
    ) -> [E]? where E.RawValue == String {
        guard let items = list(node, field, example: example) else { return nil }
        var out: [E] = []
        for (index, entry) in items.enumerated() {
            guard let value: E = choice(entry, "\(field)[\(index)]", noun: noun) else { return nil }
            if !out.contains(value) { out.append(value) }
        }
        guard !out.isEmpty else {
            report(node, field, "is empty; list one or more of \(E.allCases.map(\.rawValue).joined(separator: ", "))")
            return nil
        }
        return out
    }

    private mutating func command(_ item: Fields, _ field: String) -> FaultOptions? {
        let example = "`run: [bash, ci/postgres.sh, restart]`"
        guard let node = item["run"] else {
            report(item.node, "\(field).run", "missing; a command fault needs the command to run, e.g. \(example)")
            return nil
        }
        guard let items = list(node, "\(field).run", example: example), !items.isEmpty else {
            if case .sequence = node { report(node, "\(field).run", "is empty; give the command and its arguments, e.g. \(example)") }
            return nil
        }
        var argv: [String] = []
        for (index, entry) in items.enumerated() {
            guard let word = string(entry, "\(field).run[\(index)]") else { return nil }
            argv.append(word)
        }
        return .command(argv)
    }

    /// `7`, `{random: [1, 40]}` or `{enumerate: 50}`.
    mutating func syncPoint(_ node: Node, _ field: String) -> SyncPoint? {
        let example = "`sync_point: 7`, `sync_point: {random: [1, 40]}` or `sync_point: {enumerate: 50}`"
        if case .scalar = node { return integer(node, field, atLeast: 1).map { .at($0) } }
        guard let inner = fields(node, field, valid: ["random", "enumerate"]) else { return nil }
        if let count = inner["enumerate"] {
            return integer(count, "\(field).enumerate", atLeast: 1).map { .enumerate($0) }
        }
        guard let window = inner["random"], let items = list(window, "\(field).random", example: "[1, 40]"), items.count == 2,
            let low = integer(items[0], "\(field).random[0]", atLeast: 1), let high = integer(items[1], "\(field).random[1]", atLeast: low)
        else {
            if inner["random"] == nil { report(node, field, "expected one of \(example)") }
            return nil
        }
        return .random(min: low, max: high)
    }

    /// A duration that may start with `-`, in milliseconds.
    private mutating func signedMillis(_ node: Node, _ field: String) -> Int64? {
        guard case .scalar(let scalar) = node else { return millis(node, field) }
        let text = scalar.string
        let negative = text.hasPrefix("-")
        switch Self.parseDuration(negative ? String(text.dropFirst()) : text) {
        case .failure(let message):
            report(node, field, message.text)
            return nil
        case .success(let micros):
            let ms = Int64((micros / 1000).rounded())
            guard ms != 0 else {
                report(node, field, "must not be 0; write e.g. 5m (ahead) or -30s (behind)")
                return nil
            }
            return negative ? -ms : ms
        }
    }

    /// `65536`, `64KB`, `1MB` (powers of 1024).
    mutating func byteCount(_ node: Node, _ field: String) -> Int64? {
        let howTo = "write a whole number of bytes, optionally with KB or MB, e.g. 65536, 64KB, 1MB"
        guard case .scalar(let scalar) = node else {
            report(node, field, "\(howTo); found \(Self.describe(node))")
            return nil
        }
        let text = scalar.string
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        let scale: Int64? = ["": 1, "KB": 1024, "MB": 1024 * 1024][String(text.dropFirst(digits.count))]
        guard let number = Int64(digits), let scale, number <= Int64.max / scale else {
            report(node, field, "'\(text)' is not a byte count; \(howTo)")
            return nil
        }
        return number * scale
    }
}
