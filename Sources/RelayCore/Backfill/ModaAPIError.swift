/// Moda's error answer, `{"error": {"type": …, "code": …, "message": …}}`, as far as it could be
/// read: an answer without that shape keeps its status and an excerpt.
package struct ModaAPIError: Error, Sendable, Equatable, CustomStringConvertible {
    package var status: Int
    package var type: String?
    package var code: String?
    package var message: String

    package init(status: Int, type: String? = nil, code: String? = nil, message: String) {
        self.status = status
        self.type = type
        self.code = code
        self.message = message
    }

    /// Reads an error answer's body.
    package static func decode(status: Int, body: [UInt8]) -> ModaAPIError {
        let excerpt = LogEscaping.escape(String(decoding: body.prefix(200), as: UTF8.self))
        guard let json = try? JSONParser.parse(body), case .object(let error)? = json["error"] else {
            return ModaAPIError(status: status, message: excerpt.isEmpty ? "HTTP \(status)" : excerpt)
        }
        func field(_ key: String) -> String? {
            error[key]?.stringValue.map { LogEscaping.escape(String($0.prefix(300))) }
        }
        return ModaAPIError(
            status: status, type: field("type"), code: field("code"), message: field("message") ?? "HTTP \(status)")
    }

    /// True when the key itself was refused (401, 403): nothing will work until it is fixed.
    package var isAuthentication: Bool { status == 401 || status == 403 }

    package var description: String {
        "HTTP \(status)" + (code.map { " \($0)" } ?? "") + ": \(message)"
    }
}
