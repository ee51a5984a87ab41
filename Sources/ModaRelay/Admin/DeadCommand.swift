import ArgumentParser
import Foundation
import RelayCore
import RelayDispatch

/// `moda-relay dead …`: list and replay dead letters of a running relay.
struct DeadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dead",
        abstract: "List dead letters, or replay them once the sink is fixed.",
        subcommands: [List.self, Replay.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List dead letters (newest first) with why they died.")

        @OptionGroup var options: AdminOptions

        @Option(name: .long, help: "Only this sink.")
        var sink: String?

        @Option(name: .long, help: "Only letters dead at or after this time (RFC 3339 or Unix seconds).")
        var since: String?

        @Option(name: .long, help: "Only letters dead at or before this time.")
        var until: String?

        @Option(name: .long, help: "Most letters shown (default 100).")
        var limit: Int?

        @Option(name: .long, help: "Skip this many of the newest letters first (for paging).")
        var offset: Int?

        func run() async throws {
            var query: [String] = []
            if let sink { query.append("sink=" + Self.encode(sink)) }
            if let since { query.append("since=" + Self.encode(since)) }
            if let until { query.append("until=" + Self.encode(until)) }
            if let limit { query.append("limit=\(limit)") }
            if let offset { query.append("offset=\(offset)") }
            if options.json { query.append("body=true") }
            let path = "/admin/dead" + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))
            let document = try await options.resolve().call(.get, path)
            if options.json {
                print(document.compactJSON)
                return
            }
            guard case .array(let letters)? = document["dead"] else { return }
            let rows = letters.map { letter -> [String] in
                var history = ""
                if case .array(let earlier)? = letter["history"], !earlier.isEmpty {
                    history = " (died \(earlier.count + 1)x)"
                }
                return [
                    letter["sink"]?.cell ?? "?", letter["id"]?.cell ?? "?", letter["event_type"]?.cell ?? "-",
                    letter["dead_at"]?.cell ?? "-", letter["attempts"]?.cell ?? "-", letter["last_status"]?.cell ?? "-",
                    TextTable.cut((letter["reason"]?.cell ?? "-") + history, 80),
                ]
            }
            print(TextTable.render(["SINK", "ID", "TYPE", "DEAD AT", "ATTEMPTS", "STATUS", "REASON"], rows))
            let total = document["count"]?.cell ?? "\(letters.count)"
            let skipped = offset ?? 0
            let shown =
                letters.count < Int(total) ?? 0
                ? ", \(letters.count) shown" + (skipped > 0 ? " from \(skipped)" : "") : ""
            print("\(total) dead letter(s)" + shown)
            if let next = document["next_offset"]?.cell {
                print("the page stopped at the relay's byte budget: --offset \(next) for the next one")
            }
        }

        static func encode(_ text: String) -> String {
            text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(.init(charactersIn: "-._~"))) ?? text
        }
    }

    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "replay",
            abstract: "Re-enqueue a sink's dead letters for delivery: by --id, by time range, or all of them.")

        @OptionGroup var options: AdminOptions

        @Option(name: .long, help: "The sink (route) whose dead letters to replay.")
        var sink: String

        @Option(name: .long, help: "An event id to replay (repeatable); default: every dead letter in range.")
        var id: [String] = []

        @Option(name: .long, help: "Only letters dead at or after this time (RFC 3339 or Unix seconds).")
        var since: String?

        @Option(name: .long, help: "Only letters dead at or before this time.")
        var until: String?

        func run() async throws {
            var body: [String: JSONValue] = ["sink": .string(sink)]
            if !id.isEmpty { body["ids"] = .array(id.map(JSONValue.string)) }
            if let since { body["since"] = .string(since) }
            if let until { body["until"] = .string(until) }
            let document = try await options.resolve().call(.post, "/admin/dead/replay", body: .object(body))
            if options.json {
                print(document.compactJSON)
                return
            }
            print("replayed \(document["replayed"]?.cell ?? "0") dead letter(s) of \(sink)")
            if case .array(let ids)? = document["ids"], !ids.isEmpty {
                print("  " + ids.map(\.cell).joined(separator: "\n  "))
            }
            if case .array(let missing)? = document["not_found"], !missing.isEmpty {
                print("not found (no live dead letter with that id): " + missing.map(\.cell).joined(separator: ", "))
            }
            if case .object(let failed)? = document["failed"], !failed.isEmpty {
                for (id, error) in failed.sorted(by: { $0.key < $1.key }) {
                    ServeCommand.fail("\(id) was not re-enqueued: \(error.cell)")
                }
                throw ExitCode(1)
            }
        }
    }
}
