import OrdealSupport
import OrdealModel
/// The JSON Schema of report.json. Its one copy is `Sources/Reports/report.schema.json`
/// (`docs/report.schema.json` links to it), compiled into the binary by SwiftPM's
/// `embedInCode` resource rule, so that `ordeal verify` needs no file beside it.
public enum ReportSchema {
    public static let text = String(decoding: PackageResources.report_schema_json, as: UTF8.self)
}
