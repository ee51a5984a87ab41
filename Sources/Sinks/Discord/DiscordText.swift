/// Discord's message text rules.
package enum DiscordText {
    /// Discord refuses a `content` longer than this.
    package static let contentLimit = 2000

    /// Backslash-escapes Discord markdown in a substituted value (`*`, `~`, `` ` ``, `|`, `>`,
    /// `<`, `[`, `]`, `\`), so event text cannot format the message, open code blocks, hide text
    /// in spoilers, or form masked links and mention syntax; and, at the start of each of its
    /// lines (after any spaces), what Discord reads as a heading (`#`), subtext (`-#`) or list
    /// item (`-`, `+`, `1.`). `_` is left alone: ids and URLs are full of it, and Discord does not
    /// italicise inside a word. Mentions are also disabled by `allowed_mentions`, whatever the
    /// text says.
    package static func escape(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        var lineStart = true
        var leadingDigits = false
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\", "*", "~", "`", "|", ">", "<", "[", "]": out.append("\\")
            case "#" where lineStart, "-" where lineStart, "+" where lineStart: out.append("\\")
            case "." where leadingDigits, ")" where leadingDigits: out.append("\\")
            default: break
            }
            out.append(scalar)
            let digit = ("0"..."9").contains(scalar)
            leadingDigits = digit && (lineStart || leadingDigits)
            lineStart = scalar == "\n" || ((scalar == " " || scalar == "\t") && lineStart)
        }
        return String(out)
    }

    /// `text` cut to ``contentLimit`` UTF-16 code units (which also bounds code points) on a
    /// character boundary, ending in `…` when cut.
    package static func truncated(_ text: String, limit: Int = contentLimit) -> String {
        guard text.utf16.count > limit else { return text }
        var out = ""
        var used = 0
        for character in text {
            let size = character.utf16.count
            guard used + size <= limit - 1 else { break }
            out.append(character)
            used += size
        }
        return out + "…"
    }
}
