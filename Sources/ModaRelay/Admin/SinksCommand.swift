import ArgumentParser
import RelayCore
import RelayDispatch

/// `moda-relay sinks`: every sink's state, spool and dead letters, from a running relay.
struct SinksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sinks",
        abstract: "Show each sink's state, spool depth, oldest undelivered age, dead letters and last error.",
        aliases: ["spool"]
    )

    @OptionGroup var options: AdminOptions

    func run() async throws {
        let document = try await options.resolve().call(.get, "/admin/sinks")
        if options.json {
            print(document.compactJSON)
            return
        }
        guard case .array(let sinks)? = document["sinks"] else { return }
        var rows: [[String]] = []
        var notes: [String] = []
        for sink in sinks {
            let spool = sink["spool"]
            let name = sink["name"]?.cell ?? "?"
            rows.append([
                name, sink["kind"]?.cell ?? "-", sink["state"]?.cell ?? "-", spool?["depth"]?.cell ?? "0",
                TextTable.age(spool?["oldest_undelivered_age_seconds"]?.numberValue),
                Self.bytes(spool?["bytes"]?.numberValue ?? 0), sink["dead_letters"]?.cell ?? "0",
                TextTable.cut(sink["last_error"]?.cell ?? "-", 60),
            ])
            if let reason = sink["reason"]?.stringValue { notes.append("\(name): \(reason)") }
        }
        print(
            TextTable.render(["SINK", "KIND", "STATE", "DEPTH", "OLDEST", "BYTES", "DEAD", "LAST ERROR"], rows))
        if !notes.isEmpty { print("\n" + notes.joined(separator: "\n")) }
        if let store = document["store"] {
            var line = "\nshared store: \(store["state"]?.cell ?? "?") (\(store["kind"]?.cell ?? "?") "
            line += "\(store["endpoint"]?.cell ?? "?"), instance \(store["instance"]?.cell ?? "?"))"
            if let reason = store["reason"]?.stringValue { line += ": \(reason)" }
            print(line)
        }
        if let backfill = document["backfill"] { print(Self.backfillLine(backfill)) }
    }

    /// The reconciler's state in one line: last run, found, requested, last error.
    static func backfillLine(_ backfill: JSONValue) -> String {
        guard case .bool(true)? = backfill["enabled"] else {
            return "\nbackfill: off (no Moda API key; see docs/BACKFILL.md)"
        }
        guard let lastRun = backfill["last_run"]?.stringValue else {
            return "\nbackfill: no run yet"
                + (backfill["interval_seconds"]?.numberValue == nil ? " (automatic runs off)" : "")
        }
        var line = "\nbackfill: last run \(lastRun) \(backfill["last_outcome"]?.cell ?? "?"): "
        line += "\(backfill["found"]?.cell ?? "0") found, \(backfill["requested"]?.cell ?? "0") requested, "
        line += "\(backfill["failed"]?.cell ?? "0") failed"
        if let success = backfill["last_success"]?.stringValue, success != lastRun {
            line += "; last success \(success)"
        }
        if let error = backfill["last_error"]?.stringValue { line += "; last error: \(TextTable.cut(error, 120))" }
        return line
    }

    static func bytes(_ value: Double) -> String {
        switch value {
        case ..<1024: return "\(Int(value))B"
        case ..<1_048_576.0: return "\(Int(value / 1024))KiB"
        case ..<1_073_741_824.0: return "\(Int(value / 1_048_576))MiB"
        default: return "\(Int(value / 1_073_741_824))GiB"
        }
    }
}
