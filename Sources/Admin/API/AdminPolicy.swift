import RelayCore

/// Who may reach the admin API, and with what: the `Host` policy against DNS rebinding and the
/// bearer token.
struct AdminPolicy: Sendable {
    private let allowedHosts: Set<String>

    init(adminHosts: [String]) { allowedHosts = Set(["localhost"] + adminHosts) }

    /// Whether `host` (a `Host` header: name or IP literal, optional port) may reach the API.
    func isAllowed(host: String) -> Bool {
        var name = host.lowercased()
        if name.hasPrefix("[") {
            // [v6] or [v6]:port: an IP literal.
            return name.contains("]")
        }
        if let colon = name.lastIndex(of: ":") {
            guard name[name.index(after: colon)...].allSatisfy(\.isASCII) else { return false }
            name = String(name[..<colon])
        }
        if name.hasSuffix(".") { name.removeLast() }
        if allowedHosts.contains(name) { return true }
        // An IPv4 literal: four numbers 0-255.
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { part in part.count <= 3 && UInt8(part) != nil }
    }

    /// `Authorization: Bearer <token>`, compared without revealing where it differs. The lengths
    /// are compared as whole `Int`s: a truncating `UInt8` of their difference let a token 256
    /// bytes longer than the real one pass the length check.
    static func authorized(_ request: AdminRequest, token: [UInt8]) -> Bool {
        guard let header = request.authorization, header.lowercased().hasPrefix("bearer ") else { return false }
        return ConstantTime.equalSecret(Array(header.utf8.dropFirst(7)), token)
    }
}
