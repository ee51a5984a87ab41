import Ingress
import Logging
import RelayConfig
import RelayCore
import RelayDispatch
import Sinks
import Spool
import Telemetry
import UnixSignals

extension Relay {
    /// What a routes reload did.
    package struct RouteReload: Sendable {
        /// Validation errors (`FILE:LINE:COL: message`): the reload was refused as a whole.
        package var errors: [ConfigDiagnostic] = []
        /// A new route's worker could not start: the reload was refused as a whole.
        package var startFailure: String?
        /// What changed, when the new set was swapped in.
        package var change: SinkFleet.Change?

        package var succeeded: Bool { errors.isEmpty && startFailure == nil && change?.failed.isEmpty == true }
    }

    /// Loads the routes directory again and, if every file is valid, swaps the new set in: new
    /// routes get workers before the ingress routes to them, changed ones restart, removed ones
    /// drain, disabled ones stop. An invalid set changes nothing; each error is logged with its
    /// position and counted in `moda_relay_routes_reload_total{result="error"}`.
    @discardableResult
    package func reloadRoutes(trigger: String) async -> RouteReload {
        let loaded = RouteLoader.load(directory: settings.routesDirectory, environment: environment)
        guard loaded.errors.isEmpty else {
            for error in loaded.errors {
                logger.error(
                    "route reload rejected; the previous routes stay in force",
                    metadata: ["relay.diagnostic": "\(error)", "relay.trigger": "\(trigger)"])
            }
            let more = loaded.errors.count > 1 ? " (and \(loaded.errors.count - 1) more)" : ""
            noteReload(error: loaded.errors[0].description + more)
            return RouteReload(errors: loaded.errors)
        }
        let table = RouteTable(routes: loaded.routes)
        let change: SinkFleet.Change
        do {
            change = try await fleet.apply(table)
        } catch {
            logger.error(
                "route reload rejected: a new route's worker cannot start; the previous routes stay in force",
                metadata: ["relay.error": "\(error)", "relay.trigger": "\(trigger)"])
            noteReload(error: "\(error)")
            return RouteReload(startFailure: "\(error)")
        }
        routes.replace(table, warnings: loaded.warnings.map(\.description))
        // After the swap: an event routed by the old table and queued later is refused (503, so
        // Moda's retry is routed anew), and each draining route's commit mark becomes final.
        for name in change.draining { writer.stopAccepting(sink: name) }
        let enabled = table.enabled.count
        metrics.routes(enabled: enabled, disabled: table.routes.count - enabled)
        for warning in loaded.warnings {
            logger.warning("route disabled", metadata: ["relay.diagnostic": "\(warning.description)"])
        }
        if change.failed.isEmpty {
            noteReload(error: nil)
        } else {
            noteReload(
                error: change.failed.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "; ")
            )
        }
        logger.notice(
            "routes reloaded",
            metadata: [
                "relay.trigger": "\(trigger)", "relay.routes": "\(table.routes.count)",
                "relay.started": "\(change.started.joined(separator: ","))",
                "relay.restarted": "\(change.restarted.joined(separator: ","))",
                "relay.draining": "\(change.draining.joined(separator: ","))",
                "relay.stopped": "\(change.stopped.joined(separator: ","))",
            ])
        return RouteReload(change: change)
    }

    /// Reads the signing secrets again (`secret_file`, and `MODA_WEBHOOK_SECRET` as the relay
    /// started with it): a fixed secret after a key rotation takes effect without a restart. A
    /// file that cannot be read or holds a bad secret is logged, and the previous secrets stay.
    @discardableResult
    package func reloadSecrets() -> Bool {
        guard settings.secretFile != nil else { return true }
        do throws(SigningSecrets.Problem) {
            let secrets = try SigningSecrets.load(settings: settings, environment: environment)
            guard !secrets.isEmpty else {
                logger.error(
                    "signing secrets reload failed; the previous secrets stay in force",
                    metadata: ["relay.error": "no signing secret left in \(settings.secretFile ?? "")"])
                return false
            }
            pipeline.replaceSecrets(secrets)
            logger.notice("signing secrets reloaded", metadata: ["relay.secrets": "\(secrets.count)"])
            return true
        } catch {
            logger.error(
                "signing secrets reload failed; the previous secrets stay in force",
                metadata: ["relay.error": "\(error.message)"])
            return false
        }
    }

    /// Reads the TLS pair again; a bad pair is logged and the previous one keeps serving.
    @discardableResult
    package func reloadTLS() -> Bool {
        guard let tls else { return true }
        do {
            try tls.reload()
            logger.notice("TLS certificate reloaded", metadata: ["relay.tls.cert": "\(tls.certificateFile)"])
            metrics.tlsReload(success: true)
            return true
        } catch {
            logger.error(
                "TLS reload failed; the previous certificate keeps serving", metadata: ["relay.error": "\(error)"])
            metrics.tlsReload(success: false)
            return false
        }
    }

    private func noteReload(error: String?) {
        metrics.routeReload(success: error == nil)
        routes.noteReload(error: error)
    }

    private enum Trigger {
        case hangup
        case tick
    }

    /// Until cancelled: reloads on SIGHUP and when the routes directory changes, and stops the
    /// workers of removed routes once they have drained.
    func maintain() async {
        let watching = settings.routesWatchInterval > .zero
        let tick = watching ? settings.routesWatchInterval : .seconds(1)
        let (triggers, continuation) = AsyncStream.makeStream(of: Trigger.self, bufferingPolicy: .bufferingNewest(16))
        await withTaskGroup(of: Void.self) { tasks in
            tasks.addTask {
                for await _ in self.hangups { continuation.yield(.hangup) }
            }
            tasks.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: tick)
                    continuation.yield(.tick)
                }
            }
            var watcher = RoutesWatcher(directory: settings.routesDirectory)
            for await trigger in triggers {
                switch trigger {
                case .hangup:
                    logger.notice("SIGHUP: reloading routes, TLS and the signing secrets")
                    reloadTLS()
                    reloadSecrets()
                    await reloadRoutes(trigger: "sighup")
                    watcher.acceptCurrent()
                case .tick:
                    if watching, watcher.poll() { await reloadRoutes(trigger: "file change") }
                    _ = await fleet.reapDrained()
                }
            }
            tasks.cancelAll()
        }
    }
}
