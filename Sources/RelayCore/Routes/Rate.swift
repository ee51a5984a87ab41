/// A rate limit such as `1/s`, `30/m` or `500/h`.
package struct Rate: Sendable, Equatable, CustomStringConvertible {
    package var count: Int
    package var per: Duration

    package init(count: Int, per: Duration) {
        self.count = count
        self.per = per
    }

    /// Parses `N/s`, `N/m`, `N/h` (N ≥ 1), or nil.
    package init?(parsing text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let count = Int(parts[0].trimmingCharacters(in: " ")), count >= 1 else { return nil }
        switch parts[1].trimmingCharacters(in: " ") {
        case "s": self.init(count: count, per: .seconds(1))
        case "m": self.init(count: count, per: .seconds(60))
        case "h": self.init(count: count, per: .seconds(3600))
        default: return nil
        }
    }

    package var description: String {
        switch per {
        case .seconds(1): return "\(count)/s"
        case .seconds(60): return "\(count)/m"
        case .seconds(3600): return "\(count)/h"
        default: return "\(count) per \(per)"
        }
    }
}

extension Substring {
    func trimmingCharacters(in set: Character) -> String {
        var slice = self
        while slice.first == set { slice = slice.dropFirst() }
        while slice.last == set { slice = slice.dropLast() }
        return String(slice)
    }
}
