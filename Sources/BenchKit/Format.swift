import Foundation

/// A number with `digits` decimals (none from 1,000 up with the default one decimal): how
/// every benchmark figure is printed.
package func fmt(_ value: Double, digits: Int = 1) -> String {
    guard value.isFinite else { return "\(value)" }
    if digits == 1 && abs(value) >= 1000 { return String(format: "%.0f", value) }
    return String(format: "%.\(digits)f", value)
}
