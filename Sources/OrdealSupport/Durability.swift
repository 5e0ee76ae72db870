/// How durable a SQLite store is made: the `synchronous` PRAGMA a scenario, a backend spec and
/// the core agree on. One definition, below both the judge and the judged.
public enum Durability: String, Sendable, CaseIterable, CustomStringConvertible {
    /// `synchronous=FULL`: the WAL is fsynced at every commit; an acknowledged commit survives power loss.
    case full
    /// `synchronous=NORMAL`: fsync at WAL checkpoints only; survives a process crash, may lose
    /// the most recent commits on power loss.
    case normal
    /// `synchronous=OFF`: no fsync at all; survives a process crash only.
    case off

    public var description: String { rawValue }

    /// The durability of a `sqlite:DURABILITY` backend spec (`sqlite:normal`); nil for a spec
    /// of another backend or an unknown durability. The one reading of that prefix.
    public init?(sqliteSpec spec: String) {
        guard spec.hasPrefix("sqlite:") else { return nil }
        self.init(rawValue: String(spec.dropFirst("sqlite:".count)))
    }
}
