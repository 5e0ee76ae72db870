/// Words as a POSIX shell reads them back: what a printed command line must be to be pasted.
public enum Shell {
    /// `text` as one shell word: unchanged when it is plain, else in single quotes.
    public static func quoted(_ text: String) -> String {
        !text.isEmpty && text.allSatisfy { $0.isLetter || $0.isNumber || "/._-+:@=,".contains($0) }
            ? text : "'" + text.map { $0 == "'" ? "'\\''" : String($0) }.joined() + "'"
    }
}
