import Foundation
import OrdealSupport
import Testing

@testable import OrdealReports
import OrdealModel
import OrdealCheckers

/// report.json's schema: the built-in text is the file docs/report.schema.json links to, and the validator
/// rejects what the schema forbids.
@Suite struct ReportSchemaTests {
    static var repository: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    @Test func theBuiltInSchemaIsTheOneInDocs() throws {
        let file = try String(contentsOf: Self.repository.appendingPathComponent("docs/report.schema.json"), encoding: .utf8)
        #expect(try JSONParser.parse(file) == JSONParser.parse(ReportSchema.text))
    }

    /// The schema's fault kinds are FaultKind's, so a new kind cannot ship without the schema that
    /// every report of it must pass.
    @Test func theSchemaNamesEveryFaultKindAndNoOther() throws {
        let schema = try JSONParser.parse(ReportSchema.text)
        let kinds = schema["$defs"]?["fault"]?["properties"]?["kind"]?["enum"]?.arrayValue?.compactMap(\.stringValue)
        #expect(Set(try #require(kinds)) == Set(FaultKind.allCases.map(\.rawValue)))
    }

    @Test func aReportMissingItsVerdictOrWithAnUnknownVerdictIsRejected() throws {
        let schema = try JSONSchema(JSONParser.parse(ReportSchema.text))
        var report = try #require(minimalReport().objectValue)
        #expect(schema.validate(.object(report)) == [])
        report.removeValue(forKey: "verdict")
        #expect(schema.validate(.object(report)).contains { $0.contains("verdict") })
        report["verdict"] = "maybe"
        #expect(schema.validate(.object(report)).contains { $0.contains("maybe") })
        report["verdict"] = "pass"
        report["surprise"] = 1
        #expect(schema.validate(.object(report)).contains { $0.contains("surprise") })
    }

    @Test func anyOfAcceptsAValueMatchingOneAlternativeAndNamesWhyNoneMatched() throws {
        let schema = try JSONSchema([
            "$defs": ["point": ["type": "object", "required": ["x"], "properties": ["x": ["type": "integer", "minimum": 0]]]],
            "anyOf": [["$ref": "#/$defs/point"], ["type": "null"]],
        ])
        #expect(schema.validate(["x": 3]) == [])
        #expect(schema.validate(.null) == [])
        let wrong = schema.validate(["x": -1])
        #expect(wrong.count == 1 && wrong[0].contains("matches none of its 2 alternatives") && wrong[0].contains("below the minimum"))
        #expect(schema.validate("text").count == 1)
        #expect(throws: JSONSchema.SchemaError.self) { try JSONSchema(["anyOf": []]) }
        #expect(throws: JSONSchema.SchemaError.self) { try JSONSchema(["anyOf": [["pattern": "^a"]]]) }
    }

    @Test func aSchemaUsingAKeywordTheValidatorDoesNotKnowIsRefused() throws {
        #expect(throws: JSONSchema.SchemaError.self) { try JSONSchema(["type": "object", "pattern": "^a"]) }
    }

    func minimalReport() -> JSONValue {
        [
            "schemaVersion": 1, "tool": ["name": "ordeal", "version": "0.1.0"], "run_id": "r", "started_at": "t",
            "ended_at": "t", "complete": true, "verdict": "pass", "seed": nil, "duration_ms": 1.5, "replay": "ordeal run",
            "source_commit": "abc",
            "environment": [
                "os": "Linux", "cpu_model": "x", "cores": "2", "memory_bytes": "1", "data_filesystem": "ext4",
                "sqlite": "3", "glibc": "2.36", "swift": "6.3",
            ],
            "artifacts": [["path": "a", "bytes": 1, "sha256": "00"]], "scenarios": [],
        ]
    }
}
