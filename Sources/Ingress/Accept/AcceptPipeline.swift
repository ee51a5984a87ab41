import Backfill
import CoreMetrics
import Logging
import RelayCore
import Spool
import Synchronization
import Telemetry

/// The accept path after HTTP framing: verify → decode → dedupe → route → spool → answer.
///
/// It answers rejections and known duplicates at once (on the caller's thread), and
/// everything else from the spool writer's thread once the commit is durable. It never
/// answers 2xx before that commit (invariant 1).
package final class AcceptPipeline: Sendable {
    /// Replaced whole when the secrets are reloaded (SIGHUP).
    private let verifiers: Mutex<SignatureVerifier>
    private var verifier: SignatureVerifier { verifiers.withLock { $0 } }
    private let routes: RouteState
    private let store: any AcceptanceStore
    private let ledger: InFlightLedger
    private let metrics: RelayMetrics
    private let logger: Logger
    private let clock: @Sendable () -> Int64
    private let requestIDs = RequestIDGenerator()
    /// Redeliveries the relay asked Moda for, which may keep their original timestamp (nil:
    /// backfill off, and every stale timestamp is refused at the head).
    private let staleRedeliveries: StaleRedeliveries?

    package init(
        verifier: SignatureVerifier, routes: RouteState, store: any AcceptanceStore, metrics: RelayMetrics,
        logger: Logger, staleRedeliveries: StaleRedeliveries? = nil,
        clock: @escaping @Sendable () -> Int64 = WallClock.nowMillis
    ) {
        self.staleRedeliveries = staleRedeliveries
        self.verifiers = Mutex(verifier)
        self.routes = routes
        self.store = store
        self.ledger = InFlightLedger(dedupe: store.dedupe)
        self.metrics = metrics
        self.logger = logger
        self.clock = clock
    }

    /// Verifies with `secrets` from now on (same tolerance).
    package func replaceSecrets(_ secrets: [String]) {
        verifiers.withLock { $0 = SignatureVerifier(secrets: secrets, toleranceSeconds: $0.toleranceSeconds) }
    }

    /// The pipeline's clock, in milliseconds since the epoch.
    package func nowMillis() -> Int64 { clock() }

    /// The signature-header checks that need no body (missing, malformed or stale), as the
    /// rejection to answer, or nil when they pass. The ingress runs them on each request head.
    func checkHeaders(timestamp: String?, signature: String?, nowSeconds: Int64) -> IngressOutcome? {
        do throws(SignatureVerifier.Failure) {
            _ = try verifier.checkHeaders(
                timestamp: timestamp, signature: signature, now: nowSeconds, allowStale: mayAdmitStale)
            return nil
        } catch {
            return .rejected(error.isAuthenticationFailure ? 401 : 400, Self.outcome(for: error.code), error.message)
        }
    }

    /// Handles one complete request body. `answer` is called exactly once.
    ///
    /// The hot path allocates little: log metadata and the request id are built only when a line
    /// is logged, and a waiter closure only when a copy of an in-flight event must wait.
    package func accept(
        timestamp: String?, signature: String?, body: [UInt8], answer: @escaping @Sendable (IngressOutcome) -> Void
    ) {
        let now = clock()
        let requestNumber = requestIDs.nextNumber()
        let table = routes.table
        let event: Event
        switch body.withUnsafeBytes({
            verifyAndDecode(
                $0, timestamp: timestamp, signature: signature, nowMillis: now, fullDocument: table.needsDocument)
        }) {
        case .success(let decoded):
            event = decoded.event
            if let redelivery = decoded.staleRedelivery {
                metrics.backfill.staleRedeliveryAccepted()
                var metadata = eventMetadata(event, requestNumber)
                metadata["relay.delivery.id"] = "\(redelivery.deliveryID)"
                logger.notice(
                    "accepted a redelivery the relay requested, with its original (stale) timestamp",
                    metadata: metadata)
            }
        case .failure(let rejection):
            logger.warning(
                "webhook rejected",
                metadata: [
                    "relay.request.id": "\(requestIDs.format(requestNumber))", "relay.reason": "\(rejection.reason)",
                    "relay.status": "\(rejection.status)", "relay.outcome": "\(rejection.outcome.rawValue)",
                ])
            answer(rejection)
            return
        }
        let seenKey = DedupeKey(event.dedupeKey)
        let eventID = event.id
        let metrics = self.metrics
        let admission = ledger.admit(seenKey, nowMillis: now) {
            { result in
                switch result {
                case .success:
                    metrics.dedupeHits.increment()
                    answer(.duplicate(eventID: eventID))
                case .failure(let error):
                    answer(Self.unavailable(error, eventID: eventID))
                }
            }
        }
        switch admission {
        case .waiting:
            return
        case .duplicate:
            metrics.dedupeHits.increment()
            answer(.duplicate(eventID: eventID))
            return
        case .proceed:
            break
        }
        if !event.isDocumentedType {
            metrics.unknownType(event.type)
            logger.warning(
                "event type is outside Moda's documented set; accepting it (report it to Moda)",
                metadata: eventMetadata(event, requestNumber))
        }
        let matched = table.routes(for: event).map(\.name)
        let request = AppendRequest(
            sinks: matched, dedupeKey: event.dedupeKey, seenKey: seenKey, eventType: event.type, body: body,
            acceptedAtMillis: now)
        let ledger = self.ledger
        let logger = self.logger
        let requestIDs = self.requestIDs
        let eventType = event.type
        store.append(request) { result in
            ledger.finish(seenKey, result: result.map { _ in () })
            switch result {
            case .success(.duplicate):
                // Cluster mode: another instance accepted it first.
                metrics.dedupeHits.increment()
                metrics.storeDuplicates.increment()
                answer(.duplicate(eventID: eventID))
            case .success(.stored):
                if matched.isEmpty { metrics.unrouted.increment() }
                for sink in matched { metrics.spooled(sink: sink) }
                answer(.accepted(eventID: eventID, sinks: matched.count))
            case .failure(let error):
                metrics.commitFailed(code: error.code.rawValue)
                var metadata = Self.eventMetadata(eventID, eventType)
                metadata["relay.request.id"] = "\(requestIDs.format(requestNumber))"
                metadata["relay.error"] = "\(error)"
                logger.error("event could not be stored durably", metadata: metadata)
                answer(Self.unavailable(error, eventID: eventID))
            }
        }
    }

    private func eventMetadata(_ event: Event, _ requestNumber: UInt64) -> Logger.Metadata {
        var metadata = Self.eventMetadata(event.id, event.type)
        metadata["relay.request.id"] = "\(requestIDs.format(requestNumber))"
        return metadata
    }

    private static func eventMetadata(_ id: String, _ type: String) -> Logger.Metadata {
        ["relay.event.id": "\(id)", "relay.event.type": "\(type)"]
    }

    /// True while some redelivery the relay asked for may still arrive with a stale timestamp.
    private var mayAdmitStale: Bool { staleRedeliveries.map { !$0.rule.isEmpty } ?? false }

    /// A verified, decoded event, and the requested redelivery that let its stale timestamp in.
    private typealias Verified = (event: Event, staleRedelivery: RequestedRedelivery?)

    /// Verification (headers, timestamp, signature) and then decoding, in the documented order.
    /// A correctly signed request with a stale timestamp is decoded and then admitted only if
    /// ``StaleRedeliveryRule`` matches it to a redelivery the relay asked for.
    private func verifyAndDecode(
        _ bytes: UnsafeRawBufferPointer, timestamp: String?, signature: String?, nowMillis: Int64, fullDocument: Bool
    ) -> Result<Verified, IngressOutcome> {
        let checked: SignatureVerifier.CheckedHeaders
        do throws(SignatureVerifier.Failure) {
            checked = try verifier.verify(
                timestamp: timestamp, signature: signature, body: bytes, now: nowMillis / 1000,
                allowStale: mayAdmitStale)
        } catch {
            return .failure(Self.refusal(error))
        }
        let event: Event
        do throws(EventDecoder.Failure) {
            event = try EventDecoder.decode(bytes, fullDocument: fullDocument)
        } catch {
            let outcome: RelayMetrics.Outcome = error.code == .invalidJSON ? .invalidJSON : .unrecognisedEnvelope
            return .failure(.rejected(400, outcome, error.message))
        }
        guard let stale = checked.stale else { return .success((event, nil)) }
        guard
            let redelivery = staleRedeliveries?.admit(
                eventID: event.id, eventType: event.type, timestampSeconds: stale.seconds, nowMillis: nowMillis)
        else { return .failure(Self.refusal(stale.refusal)) }
        return .success((event, redelivery))
    }

    private static func refusal(_ error: SignatureVerifier.Failure) -> IngressOutcome {
        .rejected(error.isAuthenticationFailure ? 401 : 400, outcome(for: error.code), error.message)
    }

    private static func unavailable(_ error: SpoolError, eventID: String) -> IngressOutcome {
        let reason: String
        switch error.code {
        case .shuttingDown: reason = "shutting down; retry"
        case .spoolFull: reason = "spool is full; retry later"
        case .diskFull: reason = "disk is full; retry later"
        case .storeUnavailable: reason = "the shared claim store is unavailable; retry"
        case .claimTimeout: reason = "another instance is still committing this event; retry"
        case .claimUnresolved: reason = "the shared claim could not be confirmed; retry"
        case .routeRemoved: reason = "a route of the event was removed while it was being stored; retry"
        default: reason = "cannot store the event durably right now; retry"
        }
        return .rejected(503, .unavailable, reason, eventID: eventID)
    }

    private static func outcome(for code: SignatureVerifier.Failure.Code) -> RelayMetrics.Outcome {
        switch code {
        case .missingHeader: return .missingHeader
        case .invalidHeader: return .invalidHeader
        case .staleTimestamp: return .staleTimestamp
        case .badSignature: return .badSignature
        }
    }
}

extension IngressOutcome: Error {}
