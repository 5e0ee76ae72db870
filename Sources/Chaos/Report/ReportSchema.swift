/// The JSON Schema of report.json, as `docs/report.schema.json` holds it (a test keeps the
/// two equal), built into the binary so that `ordeal verify` needs no file beside it.
public enum ReportSchema {
    public static let text = #"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://ordeal.dev/schemas/report-1.json",
  "title": "Ordeal run report (report.json), schemaVersion 1",
  "type": "object",
  "required": [
    "schemaVersion",
    "tool",
    "run_id",
    "started_at",
    "ended_at",
    "complete",
    "verdict",
    "seed",
    "duration_ms",
    "replay",
    "source_commit",
    "environment",
    "artifacts",
    "scenarios"
  ],
  "additionalProperties": false,
  "properties": {
    "schemaVersion": {
      "const": 1
    },
    "tool": {
      "type": "object",
      "required": [
        "name",
        "version"
      ],
      "additionalProperties": false,
      "properties": {
        "name": {
          "const": "ordeal"
        },
        "version": {
          "type": "string"
        }
      }
    },
    "run_id": {
      "type": "string"
    },
    "started_at": {
      "type": "string",
      "description": "ISO 8601, UTC"
    },
    "ended_at": {
      "type": "string",
      "description": "ISO 8601, UTC; empty while the run is still going"
    },
    "verdict": {
      "$ref": "#/$defs/verdict"
    },
    "seed": {
      "type": [
        "integer",
        "null"
      ],
      "description": "the --seed given for every scenario, or null (each scenario states its own)"
    },
    "duration_ms": {
      "type": "number",
      "minimum": 0
    },
    "replay": {
      "type": "string",
      "description": "a command that runs the same scenarios with the same seeds"
    },
    "source_commit": {
      "type": "string"
    },
    "environment": {
      "type": "object",
      "additionalProperties": {
        "type": "string"
      },
      "required": [
        "os",
        "cpu_model",
        "cores",
        "memory_bytes",
        "data_filesystem",
        "sqlite",
        "glibc",
        "swift"
      ]
    },
    "artifacts": {
      "type": "array",
      "items": {
        "$ref": "#/$defs/artifact"
      }
    },
    "scenarios": {
      "type": "array",
      "items": {
        "$ref": "#/$defs/scenario"
      }
    },
    "complete": {
      "type": "boolean",
      "description": "false while the run is going or when it was stopped; the verdict is then unknown"
    }
  },
  "$defs": {
    "verdict": {
      "enum": [
        "pass",
        "fail",
        "unknown"
      ]
    },
    "artifact": {
      "type": "object",
      "required": [
        "path",
        "bytes",
        "sha256"
      ],
      "additionalProperties": false,
      "properties": {
        "path": {
          "type": "string"
        },
        "bytes": {
          "type": "integer",
          "minimum": 0
        },
        "sha256": {
          "type": "string"
        }
      }
    },
    "latency": {
      "type": "object",
      "required": [
        "count",
        "p50_us",
        "p95_us",
        "p99_us",
        "p999_us",
        "max_us"
      ],
      "additionalProperties": false,
      "properties": {
        "count": {
          "type": "integer",
          "minimum": 0
        },
        "p50_us": {
          "type": "number",
          "minimum": 0
        },
        "p95_us": {
          "type": "number",
          "minimum": 0
        },
        "p99_us": {
          "type": "number",
          "minimum": 0
        },
        "p999_us": {
          "type": "number",
          "minimum": 0
        },
        "max_us": {
          "type": "number",
          "minimum": 0
        }
      }
    },
    "check": {
      "type": "object",
      "required": [
        "name",
        "verdict",
        "detail",
        "counterexample",
        "measurements"
      ],
      "additionalProperties": false,
      "properties": {
        "name": {
          "type": "string"
        },
        "verdict": {
          "$ref": "#/$defs/verdict"
        },
        "detail": {
          "type": "string"
        },
        "counterexample": {
          "type": "array"
        },
        "measurements": {
          "type": "object",
          "additionalProperties": {
            "type": "number"
          }
        },
        "expected_failure": {
          "type": [
            "string",
            "null"
          ],
          "description": "set when the scenario declares this check expected to fail (a known limitation): the reason. The check then passes when it fails as declared, and fails when it holds."
        }
      }
    },
    "fault": {
      "type": "object",
      "required": [
        "kind",
        "target",
        "at_ms",
        "healed_at_ms",
        "effect"
      ],
      "additionalProperties": false,
      "properties": {
        "kind": {
          "enum": [
            "kill",
            "pause",
            "disk-full",
            "io-error",
            "clock-skew",
            "power-loss",
            "command"
          ]
        },
        "target": {
          "type": "string"
        },
        "at_ms": {
          "type": [
            "number",
            "null"
          ]
        },
        "healed_at_ms": {
          "type": [
            "number",
            "null"
          ]
        },
        "effect": {
          "type": "object",
          "additionalProperties": {
            "type": "number"
          },
          "description": "what the fault did: recovery_ms and acknowledged_before for a kill; stopped_ms, target_acknowledged_meanwhile and others_acknowledged_meanwhile for a pause"
        },
        "shim": {
          "type": "object",
          "description": "what the fault did beyond its times: for shim faults hits (calls the fault changed) and call_sites (backtraces, symbolized), sync_point and rollback for power loss; for a command fault its exit status and command_ms"
        }
      }
    },
    "scenario": {
      "type": "object",
      "required": [
        "name",
        "description",
        "file",
        "seed",
        "verdict",
        "backend",
        "duration_ms",
        "checks",
        "faults",
        "latency",
        "latency_by_phase",
        "recovery",
        "counts",
        "throughput_per_100ms",
        "problems",
        "history",
        "workers_log"
      ],
      "additionalProperties": false,
      "properties": {
        "name": {
          "type": "string"
        },
        "description": {
          "type": "string"
        },
        "file": {
          "type": "string"
        },
        "seed": {
          "type": "integer"
        },
        "verdict": {
          "$ref": "#/$defs/verdict"
        },
        "backend": {
          "type": "string"
        },
        "duration_ms": {
          "type": "number",
          "minimum": 0
        },
        "checks": {
          "type": "array",
          "items": {
            "$ref": "#/$defs/check"
          }
        },
        "faults": {
          "type": "array",
          "items": {
            "$ref": "#/$defs/fault"
          }
        },
        "latency": {
          "type": "object",
          "additionalProperties": {
            "$ref": "#/$defs/latency"
          }
        },
        "latency_by_phase": {
          "type": "object",
          "additionalProperties": {
            "type": "object",
            "additionalProperties": {
              "$ref": "#/$defs/latency"
            }
          }
        },
        "recovery": {
          "$ref": "#/$defs/latencyOrNull"
        },
        "counts": {
          "type": "object",
          "required": [
            "acknowledged",
            "failed",
            "indeterminate"
          ],
          "additionalProperties": false,
          "properties": {
            "acknowledged": {
              "type": "integer",
              "minimum": 0
            },
            "failed": {
              "type": "integer",
              "minimum": 0
            },
            "indeterminate": {
              "type": "integer",
              "minimum": 0
            }
          }
        },
        "throughput_per_100ms": {
          "type": "array",
          "items": {
            "type": "integer",
            "minimum": 0
          }
        },
        "problems": {
          "type": "array",
          "items": {
            "type": "string"
          }
        },
        "history": {
          "type": "string"
        },
        "workers_log": {
          "type": "string"
        }
      }
    },
    "latencyOrNull": {
      "anyOf": [
        {
          "$ref": "#/$defs/latency"
        },
        {
          "type": "null"
        }
      ]
    }
  }
}
"""#
}
