import OrdealSupport
import Testing

@testable import RecoveryCore

@Suite struct EvidenceVerifierTests {
    let env: TestEnv
    let verifier = EvidenceVerifier()
    init() throws { env = try TestEnv() }

    func holds(_ evidence: Evidence) -> Bool { verifier.check(evidence).holds }

    /// A separate database with a table `people (name TEXT, age INTEGER, note TEXT)` and some rows.
    func peopleDatabase() throws -> (path: String, db: SQLiteBackend) {
        let path = env.path("evidence.sqlite")
        let db = try SQLiteBackend(path: path)
        try db.execute("CREATE TABLE people (name TEXT, age INTEGER, score REAL, note TEXT)")
        try db.execute("INSERT INTO people VALUES (?1, ?2, ?3, ?4)", [.text("O'Brien \"the\" --tester"), .int(42), .double(1.5), .null])
        try db.execute("INSERT INTO people VALUES ('ada', 36, 2.0, 'x')")
        return (path, db)
    }

    // MARK: artifact_exists

    @Test func artifactExistsHoldsForAFileOfKindFileOrAny() throws {
        let file = try env.writeFile("a.txt", "x")
        #expect(holds(.artifactExists(path: file, kind: .file)))
        #expect(holds(.artifactExists(path: file, kind: .any)))
    }

    @Test func artifactExistsHoldsForADirectoryOfKindDirectoryOrAny() {
        #expect(holds(.artifactExists(path: env.dir, kind: .directory)))
        #expect(holds(.artifactExists(path: env.dir, kind: .any)))
    }

    @Test func artifactExistsFailsForTheWrongKind() throws {
        let file = try env.writeFile("a.txt", "x")
        let result = verifier.check(.artifactExists(path: file, kind: .directory))
        #expect(!result.holds)
        #expect(result.detail.contains("not a directory"))
        #expect(!holds(.artifactExists(path: env.dir, kind: .file)))
    }

    @Test func artifactExistsFailsForAMissingPath() {
        let missing = env.path("nothing-here")
        let result = verifier.check(.artifactExists(path: missing, kind: .any))
        #expect(!result.holds)
        #expect(result.detail == "\(missing) does not exist")
    }

    // MARK: file_sha256

    @Test func fileSHA256HoldsWhenTheDigestMatches() throws {
        let file = try env.writeFile("data.bin", "hello world")
        #expect(holds(.fileSHA256(path: file, sha256: Digest.sha256Hex("hello world"))))
    }

    @Test func fileSHA256HashesFilesLargerThanOneReadBuffer() throws {
        let text = String(repeating: "0123456789abcdef", count: 10_000)
        let file = try env.writeFile("big.bin", text)
        #expect(holds(.fileSHA256(path: file, sha256: Digest.sha256Hex(text))))
    }

    @Test func fileSHA256FailsOnMismatchNamingBothDigests() throws {
        let file = try env.writeFile("data.bin", "hello world")
        let wrong = Digest.sha256Hex("hello there")
        let result = verifier.check(.fileSHA256(path: file, sha256: wrong))
        #expect(!result.holds)
        #expect(result.detail.contains(wrong))
        #expect(result.detail.contains(Digest.sha256Hex("hello world")))
    }

    @Test(arguments: ["abc", "", "B94D27B9934D3E08A52E52D7DA7DABFAC484EFE37A5380EE9088F7ACE2EFCDE9", String(repeating: "z", count: 64)])
    func fileSHA256RejectsAnExpectedDigestThatIsNotLowerCaseHex(digest: String) throws {
        let file = try env.writeFile("data.bin", "hello world")
        let result = verifier.check(.fileSHA256(path: file, sha256: digest))
        #expect(!result.holds)
        #expect(result.detail.contains("not 64 lower-case hex digits"))
    }

    @Test func fileSHA256FailsForAMissingFile() {
        let result = verifier.check(.fileSHA256(path: env.path("gone"), sha256: Digest.sha256Hex("")))
        #expect(!result.holds)
        #expect(result.detail.contains("open"))
        #expect(result.detail.contains("gone"))
    }

    // MARK: command_exit

    @Test func commandExitHoldsWhenTheObservedCodeMatches() {
        #expect(holds(.commandExit(command: "make", expected: 0, observed: 0)))
        #expect(holds(.commandExit(command: "grep", expected: 1, observed: 1)))
    }

    @Test func commandExitFailsOnADifferentCode() {
        let result = verifier.check(.commandExit(command: "make", expected: 0, observed: 2))
        #expect(!result.holds)
        #expect(result.detail == "'make' exited 2, expected 0")
    }

    @Test func commandExitWithNoObservedCodeIsNotVerified() {
        let result = verifier.check(.commandExit(command: "make", expected: 0, observed: nil))
        #expect(!result.holds)
        #expect(result.detail.contains("no exit code was observed"))
    }

    // MARK: db_row

    @Test func dbRowHoldsWhenARowMatchesEveryColumn() throws {
        let (path, _) = try peopleDatabase()
        #expect(holds(.databaseRow(database: path, table: "people", match: ["name": "ada", "age": 36, "score": 2.0])))
        #expect(holds(.databaseRow(database: path, table: "people", match: ["age": 42, "note": nil])))
    }

    @Test func dbRowFailsWhenNoRowMatches() throws {
        let (path, _) = try peopleDatabase()
        let result = verifier.check(.databaseRow(database: path, table: "people", match: ["name": "ada", "age": 37]))
        #expect(!result.holds)
        #expect(result.detail.contains("no row of people"))
    }

    @Test func dbRowBindsValuesWithQuotesSafely() throws {
        let (path, _) = try peopleDatabase()
        #expect(holds(.databaseRow(database: path, table: "people", match: ["name": "O'Brien \"the\" --tester"])))
        #expect(!holds(.databaseRow(database: path, table: "people", match: ["name": "x' OR '1'='1"])))
    }

    @Test(arguments: ["x; DROP TABLE people", "people\"; DROP TABLE people; --", "1people", "", "peo-ple", String(repeating: "a", count: 65)])
    func dbRowRejectsATableNameThatIsNotAnIdentifier(table: String) throws {
        let (path, db) = try peopleDatabase()
        let result = verifier.check(.databaseRow(database: path, table: table, match: ["name": "ada"]))
        #expect(!result.holds)
        #expect(result.detail.contains("not a plain identifier"))
        #expect(try db.rows("SELECT count(*) FROM people") == [[.int(2)]])
    }

    @Test func dbRowRejectsAColumnNameThatIsNotAnIdentifier() throws {
        let (path, db) = try peopleDatabase()
        let result = verifier.check(.databaseRow(database: path, table: "people", match: ["name = name; DROP TABLE people; --": "ada"]))
        #expect(!result.holds)
        #expect(result.detail.contains("not a plain identifier"))
        #expect(try db.rows("SELECT count(*) FROM people") == [[.int(2)]])
    }

    @Test func dbRowWithNoColumnsOrNonScalarValuesDoesNotHold() throws {
        let (path, _) = try peopleDatabase()
        #expect(!holds(.databaseRow(database: path, table: "people", match: [:])))
        #expect(!holds(.databaseRow(database: path, table: "people", match: ["name": ["ada"]])))
    }

    @Test func dbRowFailsForAMissingTableOrDatabase() throws {
        let (path, _) = try peopleDatabase()
        #expect(verifier.check(.databaseRow(database: path, table: "ghosts", match: ["a": 1])).detail.contains("cannot check"))
        #expect(!holds(.databaseRow(database: env.path("none.sqlite"), table: "people", match: ["name": "ada"])))
    }

    @Test func identifiersAreLettersDigitsAndUnderscores() {
        #expect(SQLIdentifier.isPlain("_a1"))
        #expect(SQLIdentifier.isPlain("Work_Items"))
        #expect(!SQLIdentifier.isPlain("a b"))
        #expect(!SQLIdentifier.isPlain("é"))
    }

    // MARK: packs

    @Test func requireAllNeedsEveryItem() {
        let pack = EvidencePack(passingEvidence.items + failingEvidence.items, policy: .requireAll)
        let report = verifier.check(pack, atMillis: 7)
        #expect(!report.verified)
        #expect(report.items.map(\.holds) == [true, false])
        #expect(report.checkedAtMillis == 7)
        #expect(report.summary == "1 of 2 evidence items hold: not verified")
        #expect(verifier.check(EvidencePack(passingEvidence.items + passingEvidence.items), atMillis: 0).verified)
    }

    @Test func allowPartialNeedsOneItem() {
        #expect(verifier.check(EvidencePack(passingEvidence.items + failingEvidence.items, policy: .allowPartial), atMillis: 0).verified)
        #expect(!verifier.check(EvidencePack(failingEvidence.items + failingEvidence.items, policy: .allowPartial), atMillis: 0).verified)
    }

    @Test func atLeastNeedsNItems() {
        let items = passingEvidence.items + passingEvidence.items + failingEvidence.items
        #expect(verifier.check(EvidencePack(items, policy: .atLeast(2)), atMillis: 0).verified)
        #expect(!verifier.check(EvidencePack(items, policy: .atLeast(3)), atMillis: 0).verified)
        #expect(!verifier.check(EvidencePack(failingEvidence.items, policy: .atLeast(0)), atMillis: 0).verified)
    }

    @Test(arguments: [PackPolicy.requireAll, .allowPartial, .atLeast(0), .atLeast(1)])
    func anEmptyPackNeverVerifies(policy: PackPolicy) {
        let report = verifier.check(EvidencePack([], policy: policy), atMillis: 0)
        #expect(!report.verified)
        #expect(report.note == "an empty evidence pack never verifies")
    }

    @Test func packsRoundTripThroughTheirStoredForm() throws {
        let pack = EvidencePack(
            [
                .artifactExists(path: "/a", kind: .directory), .fileSHA256(path: "/b", sha256: Digest.sha256Hex("b")),
                .commandExit(command: "c", expected: 3, observed: nil), .databaseRow(database: "/d", table: "t", match: ["k": "v"]),
            ], policy: .atLeast(2))
        let manager = env.checkpoints()
        let stored = try manager.commitStep(manager.beginStep(taskID: "t", type: .toolExecuted, snapshot: nil), evidence: pack)
        #expect(try manager.checkpoint(stored.id).evidence == pack)
    }

    @Test func lastVerifiedWithRecheckFallsBackWhenAnArtifactWasDeleted() throws {
        let manager = env.checkpoints()
        let first = try env.writeFile("one.txt", "1")
        let second = try env.writeFile("two.txt", "2")
        let older = try manager.commitStep(
            manager.beginStep(taskID: "t", type: .iterationEnd, snapshot: ["step": 0]),
            evidence: EvidencePack([.artifactExists(path: first, kind: .file)]))
        let newer = try manager.commitStep(
            manager.beginStep(taskID: "t", type: .iterationEnd, snapshot: ["step": 1]),
            evidence: EvidencePack([.artifactExists(path: second, kind: .file)]))
        #expect(try manager.lastVerified(taskID: "t", recheckEvidence: true)?.id == newer.id)
        try env.removeFile("two.txt")
        #expect(try manager.lastVerified(taskID: "t")?.id == newer.id, "without a recheck the stored verdict stands")
        let found = try #require(try manager.lastVerified(taskID: "t", recheckEvidence: true))
        #expect(found.id == older.id)
        let row = try #require(try env.backend.checkpoint(id: newer.id))
        #expect(!row.verified)
        #expect(row.verification?.contains("does not exist") == true)
        #expect(try manager.lastVerified(taskID: "t")?.id == older.id)
    }
}
