/// What a backfill does with one failed delivery: the pure decision, given what the relay
/// already requested and which deliveries Moda's log shows replayed.
package struct BackfillPlanner: Sendable {
    /// What was decided for one failed delivery.
    package enum Action: Sendable, Equatable {
        /// Ask Moda to redeliver it.
        case request
        /// Nothing to do: the event was or is being recovered; the reason says how.
        case alreadyRecovered(String)
        /// A later redelivery of it failed too; that delivery is the one to request.
        case superseded(by: String)
        /// Its `target_url` is not one of ours.
        case skippedOtherURL

        /// The word the command prints.
        package var label: String {
            switch self {
            case .request: return "requested"
            case .alreadyRecovered: return "already recovered"
            case .superseded: return "superseded"
            case .skippedOtherURL: return "skipped: other URL"
            }
        }
    }

    private let callbackURLs: Set<String>

    /// `callbackURLs`: the URLs Moda posts to for this relay; only deliveries to one of them are
    /// touched. Compared after ``normalize(_:)``.
    package init(callbackURLs: [String]) {
        self.callbackURLs = Set(callbackURLs.map(Self.normalize))
    }

    /// The URL as compared: scheme and host in lower case, no trailing slash on the path.
    package static func normalize(_ url: String) -> String {
        let characters = Array(url)
        guard let colon = characters.firstIndex(of: ":"), characters[colon...].starts(with: [":", "/", "/"])
        else { return url }
        let hostStart = colon + 3
        let hostEnd =
            characters[hostStart...].firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? characters.endIndex
        var rest = String(characters[hostEnd...])
        if rest.hasSuffix("/") { rest.removeLast() }
        let schemeAndHost: String = String(characters[..<hostEnd]).lowercased()
        return schemeAndHost + rest
    }

    /// True when `url` is one of this relay's callback URLs.
    package func isOurs(_ url: String) -> Bool { callbackURLs.contains(Self.normalize(url)) }

    /// Decides for `row`, a delivery that Moda logged as failed.
    /// - `requested`: whether the relay already asked Moda to redeliver that delivery id;
    /// - `replays`: what Moda's log shows replaying it (see ``ReplayIndex``).
    package func action(
        for row: DeliveryRow, requested: (String) -> Bool, replays: ReplayIndex
    ) -> Action {
        guard isOurs(row.targetURL) else { return .skippedOtherURL }
        if requested(row.id) { return .alreadyRecovered("requested by this relay") }
        if let live = replays.liveReplay(of: row.id) { return .alreadyRecovered("replayed by \(live)") }
        if let failed = replays.failedReplay(of: row.id) { return .superseded(by: failed) }
        return .request
    }
}
