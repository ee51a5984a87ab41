import ArgumentParser
import Foundation
import RelayConfig
import RelayCore
import RelayDispatch

/// Options shared by the commands that talk to a running relay's admin API.
struct AdminOptions: ParsableArguments {
    @Option(name: .long, help: "Admin API base URL (default http://<admin_listen of --config, else 127.0.0.1:9090>).")
    var admin: String?

    @Option(name: .customLong("admin-token-file"), help: "File holding the admin bearer token (as given to serve).")
    var adminTokenFile: String?

    @Option(name: .long, help: "The relay's config file: its admin_listen and admin_token_file become the defaults.")
    var config: String?

    @Flag(name: .long, help: "Print the API's JSON instead of a table.")
    var json = false

    /// The base URL and token, from the flags, else the config file, else serve's defaults.
    func resolve() throws -> AdminClient {
        let settings = try RelaySettings.embedded(overriddenBy: config)
        var base = admin ?? "http://\(settings.adminListen)"
        if !base.contains("://") { base = "http://" + base }
        while base.hasSuffix("/") { base.removeLast() }
        var token: String?
        if let file = adminTokenFile ?? settings.adminTokenFile {
            guard let read = AdminTokenFile.read(file) else {
                ServeCommand.fail("cannot read an admin token from \(file)")
                throw ExitCode(1)
            }
            token = read
        }
        return AdminClient(base: base, token: token)
    }
}

/// Calls the admin API with libcurl and decodes its JSON.
struct AdminClient {
    let base: String
    let token: String?

    /// GETs or POSTs `path`; returns the JSON of a 2xx answer, or prints the reason and exits 1.
    func call(_ method: OutboundRequest.Method, _ path: String, body: JSONValue? = nil) async throws -> JSONValue {
        var headers: [(String, String)] = [("Accept", "application/json"), ("User-Agent", "moda-relay-cli")]
        if let token { headers.append(("Authorization", "Bearer \(token)")) }
        var bytes: [UInt8] = []
        if let body {
            headers.append(("Content-Type", "application/json"))
            bytes = Array(body.compactJSON.utf8)
        }
        let request = OutboundRequest(
            method: method, url: base + path, headers: headers, body: bytes, timeout: .seconds(60),
            maxResponseBytes: 64 << 20)
        switch await CurlDispatcher.once(request) {
        case .response(let status, _, let text):
            let document = try? JSONParser.parse(Array(text.utf8))
            guard (200..<300).contains(status), let document else {
                let reason = document?["reason"]?.stringValue ?? text
                ServeCommand.fail("\(method.rawValue) \(path): HTTP \(status): \(reason)")
                throw ExitCode(1)
            }
            return document
        case .transportFailure(let kind, let message):
            ServeCommand.fail("cannot reach the admin API at \(base): \(kind.rawValue): \(message)")
            throw ExitCode(1)
        }
    }
}

/// Fixed-width text tables for terminals.
enum TextTable {
    static func render(_ header: [String], _ rows: [[String]]) -> String {
        var widths = header.map(\.count)
        for row in rows { for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                index == cells.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n")
    }

    /// `text`, cut to `limit` characters with an ellipsis.
    static func cut(_ text: String, _ limit: Int) -> String {
        let flat = text.replacingOccurrences(of: "\n", with: " ")
        return flat.count <= limit ? flat : String(flat.prefix(limit - 1)) + "…"
    }

    /// `95` → `1m35s`.
    static func age(_ seconds: Double?) -> String {
        guard let seconds else { return "-" }
        let whole = Int(seconds)
        if whole < 60 { return "\(whole)s" }
        if whole < 3600 { return "\(whole / 60)m\(whole % 60)s" }
        if whole < 86_400 { return "\(whole / 3600)h\(whole % 3600 / 60)m" }
        return "\(whole / 86_400)d\(whole % 86_400 / 3600)h"
    }
}

extension JSONValue {
    /// Text for a table cell: strings as-is, numbers as written, null as `-`.
    var cell: String {
        switch self {
        case .null: return "-"
        case .string(let text): return text
        default: return renderedText
        }
    }
}
