/// One page of Moda's delivery log: its rows, newest first, and the cursor of the next page
/// (nil on the last page).
package struct DeliveryPage: Sendable, Equatable {
    package var rows: [DeliveryRow]
    package var nextCursor: String?

    package init(rows: [DeliveryRow], nextCursor: String?) {
        self.rows = rows
        self.nextCursor = nextCursor
    }

    /// Most bytes of a page read: 200 rows with 2 KB excerpts fit many times over.
    package static let maximumBytes = 4 << 20

    /// Reads `{"data": [row, …], "next_cursor": "…" | null}`.
    package static func decode(_ bytes: [UInt8]) throws(DeliveryLogError) -> DeliveryPage {
        guard bytes.count <= maximumBytes else { throw .malformed("the page is larger than \(maximumBytes) bytes") }
        let json: JSONValue
        do { json = try JSONParser.parse(bytes) } catch { throw .malformed("the page is not JSON: \(error)") }
        guard case .array(let elements)? = json["data"] else { throw .malformed("the page has no data array") }
        var rows: [DeliveryRow] = []
        rows.reserveCapacity(elements.count)
        for element in elements { rows.append(try DeliveryRow(json: element)) }
        switch json["next_cursor"] {
        case nil, .null?: return DeliveryPage(rows: rows, nextCursor: nil)
        case .string(let cursor)? where !cursor.isEmpty && cursor.utf8.count <= 4096:
            return DeliveryPage(rows: rows, nextCursor: cursor)
        default: throw .malformed("the page's next_cursor is not a string")
        }
    }
}
