import NIOHTTP1
import Telemetry

/// What the ingress decides about a request from its head alone, before reading any body byte.
struct IngressAdmission {
    /// The decision.
    enum Decision {
        /// Read the body (its bytes are taken from the budget as they arrive); `large`: it is over
        /// ``BodyBudget/smallBody`` or of unknown length; `expectsContinue`: answer `100 Continue` first.
        case accept(large: Bool, expectsContinue: Bool)
        /// Skip the body, then answer (wrong path or method: the request is fine as HTTP).
        case discard(IngressOutcome)
        /// Answer now. `drainBody`: the body still coming is small, so read and drop it and keep
        /// the connection; otherwise close it after the answer.
        case refuse(IngressOutcome, drainBody: Bool)
    }

    /// Bodies up to this size are still read (and dropped) after an early refusal, so the client
    /// sees the answer instead of a reset, and the connection can be kept.
    static let drainLimit = 64 << 10

    let path: String
    let maxBodyBytes: Int
    let pipeline: AcceptPipeline

    static func tooLarge(_ limit: Int) -> IngressOutcome {
        .rejected(413, .tooLarge, "body exceeds the limit of \(limit) bytes")
    }

    /// Checks in order: path, method, `Expect`, `Content-Length`, the signature headers. Nothing
    /// is reserved here: a head's `Content-Length` is not authenticated.
    func admit(_ head: HTTPRequestHead, nowSeconds: Int64) -> Decision {
        // No Content-Length and no Transfer-Encoding: no body. Chunked: length unknown.
        let chunked = head.headers.contains(name: "transfer-encoding")
        let length = chunked ? nil : head.headers.first(name: "content-length").flatMap { Int($0) } ?? 0
        let expectation = head.headers.first(name: "expect")?.lowercased()
        let expectsContinue =
            expectation == "100-continue" && (head.version.major, head.version.minor) >= (1, 1)
        // With 100-continue the client waits for us before sending the body: refuse at once.
        let drain = !expectsContinue && (length ?? Int.max) <= Self.drainLimit
        let target = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        guard target == path else {
            let outcome = IngressOutcome.rejected(404, .notFound, "no such path; webhooks are accepted at \(path)")
            return drain ? .discard(outcome) : .refuse(outcome, drainBody: false)
        }
        guard head.method == .POST else {
            let outcome = IngressOutcome.rejected(
                405, .methodNotAllowed, "method \(head.method.rawValue) not allowed; use POST")
            return drain ? .discard(outcome) : .refuse(outcome, drainBody: false)
        }
        if let expectation, expectation != "100-continue" {
            return .refuse(
                .rejected(417, .expectationFailed, "Expect: \(expectation) is not supported; only 100-continue"),
                drainBody: drain)
        }
        if let length, length > maxBodyBytes { return .refuse(Self.tooLarge(maxBodyBytes), drainBody: false) }
        if let failure = pipeline.checkHeaders(
            timestamp: head.headers.first(name: "x-webhook-timestamp"),
            signature: head.headers.first(name: "x-webhook-signature"), nowSeconds: nowSeconds)
        {
            return .refuse(failure, drainBody: drain)
        }
        return .accept(large: (length ?? Int.max) > BodyBudget.smallBody, expectsContinue: expectsContinue)
    }
}
