/// The version of Ordeal, printed by `--version` and stated in every report and ready event.
public enum OrdealVersion {
    public static let current = "0.1.0"
}
