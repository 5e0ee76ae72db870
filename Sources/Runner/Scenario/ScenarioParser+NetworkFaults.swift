import OrdealModel
import Yams

/// The parameters of a `network` fault (docs/scenario-format.md, "Network faults"):
/// `toxic: latency|bandwidth|partition|reset|refuse`, `direction: both|upstream|downstream`
/// (latency, bandwidth and partition), `latency: 5ms` and `spread: 2ms` (latency; the trigger's
/// own `jitter` is another thing), `rate: 64KB` (bandwidth, bytes per second), `size: 16` and
/// `interval: 1ms` (slicer: the largest slice, and the wait between slices).
extension ScenarioParser {
    mutating func network(_ item: Fields, _ field: String) -> FaultOptions? {
        let example = "`toxic: partition` (or latency, reset, refuse)"
        guard let node = item["toxic"] else {
            report(item.node, "\(field).toxic", "missing; a network fault needs its toxic, e.g. \(example)")
            return nil
        }
        guard let name = string(node, "\(field).toxic") else { return nil }
        guard Toxic.names.contains(name) else {
            report(node, "\(field).toxic", "unknown toxic '\(name)'; valid: \(Toxic.names.joined(separator: ", "))")
            return nil
        }
        var direction = NetworkDirection.both
        if let node = item["direction"] {
            guard ["latency", "bandwidth", "partition", "slicer"].contains(name) else {
                report(node, "\(field).direction", "applies to latency, bandwidth, partition and slicer only; remove it from this \(name) toxic")
                return nil
            }
            guard let value: NetworkDirection = choice(node, "\(field).direction", noun: "direction") else { return nil }
            direction = value
        }
        for key in ["latency", "spread"] where name != "latency" && item.has(key) {
            report(item.keyNode(key), "\(field).\(key)", "applies to the latency toxic only; remove it from this \(name) toxic")
            return nil
        }
        if name != "bandwidth", item.has("rate") {
            report(item.keyNode("rate"), "\(field).rate", "applies to the bandwidth toxic only; remove it from this \(name) toxic")
            return nil
        }
        for key in ["size", "interval"] where name != "slicer" && item.has(key) {
            report(item.keyNode(key), "\(field).\(key)", "applies to the slicer toxic only; remove it from this \(name) toxic")
            return nil
        }
        switch name {
        case "latency":
            guard let node = item["latency"] else {
                report(item.node, "\(field).latency", "missing; a latency toxic needs its delay, e.g. `latency: 5ms`")
                return nil
            }
            guard let micros = duration(node, "\(field).latency", positive: true) else { return nil }
            var jitter = 0.0
            if let node = item["spread"] {
                guard let value = duration(node, "\(field).spread") else { return nil }
                jitter = value
            }
            return .network(.latency(millis: micros / 1000, jitterMillis: jitter / 1000, direction: direction))
        case "bandwidth":
            guard let node = item["rate"] else {
                report(item.node, "\(field).rate", "missing; a bandwidth toxic needs its rate in bytes per second, e.g. `rate: 64KB`")
                return nil
            }
            guard let bytes = byteCount(node, "\(field).rate"), bytes >= 1 else { return nil }
            return .network(.bandwidth(bytesPerSecond: Int(bytes), direction: direction))
        case "slicer":
            guard let node = item["size"] else {
                report(item.node, "\(field).size", "missing; a slicer toxic needs its largest slice in bytes, e.g. `size: 16`")
                return nil
            }
            guard let bytes = byteCount(node, "\(field).size") else { return nil }
            guard bytes >= 1 else {
                report(node, "\(field).size", "must be at least 1 byte; found \(bytes)")
                return nil
            }
            var delay = 0.0
            if let node = item["interval"] {
                guard let value = duration(node, "\(field).interval") else { return nil }
                delay = value
            }
            return .network(.slicer(bytes: Int(bytes), delayMillis: delay / 1000, direction: direction))
        case "partition": return .network(.partition(direction: direction))
        case "reset": return .network(.reset)
        default: return .network(.refuse)
        }
    }
}
