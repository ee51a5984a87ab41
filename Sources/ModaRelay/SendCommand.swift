import ArgumentParser
import Foundation
import RelayCore
import RelayDispatch

/// `moda-relay send`: signs and POSTs an event exactly as Moda would, for smoke tests.
struct SendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Sign and POST a sample or given event as Moda would; print the status and body.",
        discussion: "Signs with the first secret in MODA_WEBHOOK_SECRET. Exits 0 on a 2xx answer, 1 otherwise."
    )

    @Option(name: .long, help: "Event type of the sample event.")
    var type: String = "task.succeeded"

    @Option(name: .long, help: "Event id (current shape) or job id (--legacy); default: a new random one.")
    var id: String?

    @Option(name: .long, help: "Send this JSON instead of a sample: @FILE or the JSON itself.")
    var data: String?

    @Flag(name: .long, help: "Send the legacy jobs-API shape (type job.completed unless --type says otherwise).")
    var legacy = false

    @Option(name: .long, help: "Where to POST.")
    var url: String = "http://127.0.0.1:8080/webhooks/moda"

    @Option(name: .customLong("cacert"), help: "PEM CA certificate(s) to trust for an https --url (private CA).")
    var caCert: String?

    @Option(name: .long, help: "Seconds to wait for the answer.")
    var timeout: Int = 30

    func run() async throws {
        guard
            let secret = ProcessInfo.processInfo.environment["MODA_WEBHOOK_SECRET"]?
                .split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }).first(where: { !$0.isEmpty })
        else {
            ServeCommand.fail("no webhook secret: set MODA_WEBHOOK_SECRET")
            throw ExitCode(1)
        }
        let body = try Array(makeBody().utf8)
        let timestamp = String(Int(Date().timeIntervalSince1970))
        let request = OutboundRequest(
            url: url,
            headers: [
                ("Content-Type", "application/json"), ("User-Agent", "moda-relay-send"),
                ("X-Webhook-Timestamp", timestamp),
                (
                    "X-Webhook-Signature",
                    SignatureVerifier.signatureHeader(secret: secret, timestamp: timestamp, body: body)
                ),
            ],
            body: body, timeout: .seconds(timeout), caFile: caCert)
        switch await CurlDispatcher.once(request) {
        case .response(let status, _, let answer):
            print("HTTP \(status)")
            print(answer)
            if !(200..<300).contains(status) { throw ExitCode(1) }
        case .transportFailure(let kind, let message):
            ServeCommand.fail("could not reach \(url): \(kind.rawValue): \(message)")
            throw ExitCode(1)
        }
    }

    private func makeBody() throws -> String {
        if let data {
            guard data.hasPrefix("@") else { return data }
            let path = String(data.dropFirst())
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                ServeCommand.fail("cannot read \(path)")
                throw ExitCode(1)
            }
            return text
        }
        let now = ISO8601DateFormatter().string(from: Date())
        let random = UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        if legacy {
            let type = self.type.hasPrefix("job.") ? self.type : "job.completed"
            return SampleEvent.legacy(type: type, jobID: id ?? random, timestampISO8601: now)
        }
        return SampleEvent.current(type: type, id: id ?? "evt_" + random.prefix(26), createdISO8601: now)
    }
}
