import Backfill
import Foundation
import RelayCore

/// How `moda-relay backfill` prints its report: a line per delivery and the totals, or JSON.
enum BackfillPrinter {
    static func text(_ report: BackfillRun.Report, dryRun: Bool) -> String {
        var rows = [["DELIVERY", "TYPE", "CREATED", "LAST STATUS", "DONE"]]
        for line in report.lines {
            var outcome = line.outcome
            if dryRun, line.action == .request { outcome = "would request" }
            if case .alreadyRecovered(let how) = line.action { outcome += " (\(how))" }
            if case .superseded(let by) = line.action { outcome += " by \(by)" }
            rows.append([
                line.row.id, line.row.eventType, Timestamp.rfc3339(millis: line.row.createdAtMillis),
                line.row.responseStatusCode.map(String.init) ?? "no answer", outcome,
            ])
        }
        let widths = (0..<5).map { column in rows.map { $0[column].count }.max() ?? 0 }
        var out = rows.map { row in
            zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
                .trimmingTrailingSpaces()
        }
        out.append(totals(report, dryRun: dryRun))
        return out.joined(separator: "\n")
    }

    static func totals(_ report: BackfillRun.Report, dryRun: Bool) -> String {
        "\(report.found) failed deliveries: \(report.count("requested")) \(dryRun ? "to request" : "requested"), "
            + "\(report.count("already recovered")) already recovered, \(report.count("superseded")) superseded, "
            + "\(report.count("skipped: other URL")) skipped (other URL), \(report.failedRequests) failed; "
            + "\(report.pages) page(s) listed"
    }

    static func json(_ report: BackfillRun.Report, dryRun: Bool) -> String {
        let deliveries: [JSONValue] = report.lines.map { line in
            var members: [String: JSONValue] = [
                "id": .string(line.row.id), "event_type": .string(line.row.eventType),
                "created_at": .string(Timestamp.rfc3339(millis: line.row.createdAtMillis)),
                "last_status": line.row.responseStatusCode.map { .number(String($0)) } ?? .null,
                "outcome": .string(dryRun && line.action == .request ? "would request" : line.outcome),
            ]
            if case .alreadyRecovered(let how) = line.action { members["detail"] = .string(how) }
            if case .superseded(let by) = line.action { members["detail"] = .string("superseded by \(by)") }
            return .object(members)
        }
        let totals: [String: JSONValue] = [
            "found": .number(String(report.found)), "requested": .number(String(report.count("requested"))),
            "already_recovered": .number(String(report.count("already recovered"))),
            "superseded": .number(String(report.count("superseded"))),
            "skipped_other_url": .number(String(report.count("skipped: other URL"))),
            "failed": .number(String(report.failedRequests)), "pages": .number(String(report.pages)),
        ]
        return JSONValue.object([
            "dry_run": .bool(dryRun), "deliveries": .array(deliveries), "totals": .object(totals),
            "error": report.failure.map { .string($0.description) } ?? .null,
        ]).compactJSON
    }
}

extension String {
    fileprivate func trimmingTrailingSpaces() -> String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
