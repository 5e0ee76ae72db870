/// What evidence may name in SQL: the core's verifier refuses anything else, and the checkers
/// judge a `db_row` item by the same rule.
public enum SQLIdentifier {
    /// True for a plain SQL identifier: a letter or `_`, then letters, digits or `_`, at most 64.
    public static func isPlain(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, bytes.count <= 64 else { return false }
        func letter(_ b: UInt8) -> Bool { (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b) || b == 0x5F }
        return letter(first) && bytes.dropFirst().allSatisfy { letter($0) || (0x30...0x39).contains($0) }
    }
}
