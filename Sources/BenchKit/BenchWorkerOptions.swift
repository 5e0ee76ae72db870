extension BenchWorker {
    /// The command line of a bench worker, both ways: the runner renders it with `arguments`,
    /// the worker parses it with `init(arguments:)`, so the two never drift apart.
    ///
    ///     --backend SPEC [--db FILE] --tag TAG --describe
    ///     --backend SPEC [--db FILE] --tag TAG --op NAME [--warmup N]
    ///         (--iterations N | --duration-ns N) [--rate OPS_PER_S]
    public struct Options: Sendable, Equatable {
        public var backend: String
        public var database: String?
        /// The operation to measure; nil describes the backend instead.
        public var op: String?
        public var tag: String
        public var budget: BenchBudget
        public var warmup: Int
        public var loop: LoopMode

        public init(
            backend: String, database: String?, op: String?, tag: String, budget: BenchBudget = .iterations(1), warmup: Int = 0,
            loop: LoopMode = .closed
        ) {
            self.backend = backend
            self.database = database
            self.op = op
            self.tag = tag
            self.budget = budget
            self.warmup = warmup
            self.loop = loop
        }

        public var arguments: [String] {
            var args = ["--backend", backend, "--tag", tag]
            if let database { args += ["--db", database] }
            guard let op else { return args + ["--describe"] }
            args += ["--op", op, "--warmup", "\(warmup)"]
            switch budget {
            case .iterations(let n): args += ["--iterations", "\(n)"]
            case .duration(let nanos): args += ["--duration-ns", "\(nanos)"]
            }
            if case .open(let rate) = loop { args += ["--rate", "\(rate)"] }
            return args
        }

        public init(arguments: [String]) throws(BenchError) {
            var values: [String: String] = [:]
            var describe = false
            var rest = arguments[...]
            let takesValue: Set = ["--backend", "--db", "--tag", "--op", "--warmup", "--iterations", "--duration-ns", "--rate"]
            while let name = rest.popFirst() {
                if name == "--describe" {
                    describe = true
                    continue
                }
                guard takesValue.contains(name) else {
                    throw BenchError(.badOption, "unknown argument \(name); see BenchWorker.Options for the command line")
                }
                guard let value = rest.popFirst() else { throw BenchError(.badOption, "\(name) needs a value") }
                values[name] = value
            }
            func number<T: LosslessStringConvertible>(_ name: String, _: T.Type) throws(BenchError) -> T? {
                guard let text = values[name] else { return nil }
                guard let value = T(text) else { throw BenchError(.badOption, "\(name) \(text) is not a number") }
                return value
            }
            guard let backend = values["--backend"], let tag = values["--tag"] else {
                throw BenchError(.badOption, "--backend SPEC and --tag TAG are required")
            }
            self.init(backend: backend, database: values["--db"], op: values["--op"], tag: tag)
            guard describe == (op == nil) else { throw BenchError(.badOption, "give either --describe or --op NAME, not both") }
            warmup = try number("--warmup", Int.self) ?? 0
            if let rate = try number("--rate", Double.self) { loop = .open(perSecond: rate) }
            guard !describe else { return }
            switch (try number("--iterations", Int.self), try number("--duration-ns", UInt64.self)) {
            case (let n?, nil) where n >= 1: budget = .iterations(n)
            case (nil, let nanos?) where nanos >= 1: budget = .duration(nanos: nanos)
            default: throw BenchError(.badOption, "--op needs one of --iterations N or --duration-ns N, 1 or more")
            }
        }
    }
}
