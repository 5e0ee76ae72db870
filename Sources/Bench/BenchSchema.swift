/// The JSON Schema of a bench run's results.json (and of `--json`). Its one copy is
/// `Sources/Bench/bench-results.schema.json` (`docs/bench-results.schema.json` links to it),
/// compiled into the binary so `ordeal verify` needs no file beside it.
public enum BenchSchema {
    public static let text = String(decoding: PackageResources.bench_results_schema_json, as: UTF8.self)
}
