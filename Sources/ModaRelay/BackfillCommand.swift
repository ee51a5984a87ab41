import ArgumentParser
import Backfill
import ClusterStore
import Foundation
import Logging
import RelayApp
import RelayConfig
import RelayCore
import RelayDispatch

/// `moda-relay backfill`: asks Moda to redeliver every delivery to our callback URL that it
/// logged as failed in a range, once. Shares its ledger with `serve`'s reconciler.
struct BackfillCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backfill",
        abstract: "Ask Moda to redeliver what it failed to deliver to callback_url (newest first, each once).",
        discussion: """
            Needs a Moda API key (moda_api_key_file or MODA_API_KEY) and callback_url. Exit status: 0 when \
            every failed delivery was requested or already recovered, 1 when some requests failed, 2 for a \
            configuration or authentication problem.
            """
    )

    @Option(
        name: .long,
        help: "Start of the range: RFC 3339, Unix seconds, or a duration ago like 6h (default backfill_lookback).")
    var since: String?

    @Option(name: .long, help: "End of the range: RFC 3339, Unix seconds, or a duration ago (default now).")
    var until: String?

    @Flag(name: .customLong("dry-run"), help: "List and decide, but ask Moda for nothing.")
    var dryRun = false

    @Option(name: .long, help: "The relay.yaml that serve uses (its key, callback_url and data_dir).")
    var config: String?

    @Flag(name: .long, help: "Print JSON instead of text.")
    var json = false

    func run() async throws {
        let settings = try RelaySettings.embedded(overriddenBy: config, exitCode: 2)
        let environment = ProcessInfo.processInfo.environment
        let loaded: ModaAPIKey?
        do throws(SigningSecrets.Problem) {
            loaded = try ModaAPIKey.load(settings: settings.backfill, environment: environment)
        } catch {
            ServeCommand.fail(error.message)
            throw ExitCode(2)
        }
        guard let key = loaded else {
            ServeCommand.fail("no Moda API key: set moda_api_key_file in --config, or MODA_API_KEY")
            throw ExitCode(2)
        }
        if let warning = key.warning { FileHandle.standardError.write(Data("moda-relay: warning: \(warning)\n".utf8)) }
        guard !settings.backfill.callbackURLs.isEmpty else {
            ServeCommand.fail(
                "callback_url is not set: the URL Moda posts to, so that only its deliveries are asked for")
            throw ExitCode(2)
        }
        let nowMillis = Int64(Date().timeIntervalSince1970 * 1000)
        let range: (Int64, Int64?)
        do throws(SettingValue.Invalid) {
            range = (
                try Self.instant(since, name: "--since", nowMillis: nowMillis)
                    ?? nowMillis - settings.backfill.lookback.wholeMilliseconds,
                try Self.instant(until, name: "--until", nowMillis: nowMillis)
            )
        } catch {
            ServeCommand.fail(error.message)
            throw ExitCode(2)
        }
        let dispatcher = CurlDispatcher(lanes: 1)
        let run = BackfillRun(
            client: ModaAPIClient(baseURL: settings.backfill.apiURL, apiKey: key.key, dispatcher: dispatcher),
            planner: BackfillPlanner(callbackURLs: settings.backfill.callbackURLs),
            options: BackfillRun.Options(sinceMillis: range.0, untilMillis: range.1, dryRun: dryRun),
            now: { Int64(Date().timeIntervalSince1970 * 1000) })
        // Cluster mode: the shared store's ledger, which every instance's reconciler holds in turn.
        let ledger: any BackfillLedgerStore =
            settings.postgresURL.map { url in
                PostgresBackfillLedger(
                    configuration: ClusterMode.storeConfiguration(
                        url: url, settings: settings, instance: "backfill-cli"),
                    logger: Logger(label: "moda-relay.backfill"))
            } ?? BackfillLedger(dataDirectory: settings.dataDirectory)
        let report: BackfillRun.Report
        do {
            report = try await ledger.exclusively(
                nowMillis: nowMillis,
                waiting: {
                    FileHandle.standardError.write(Data("moda-relay: waiting for the backfill run in progress\n".utf8))
                }
            ) { state in await run.run(ledger: state) }
        } catch {
            await dispatcher.stop()
            ServeCommand.fail("\(error)")
            throw ExitCode(1)
        }
        await dispatcher.stop()
        print(json ? BackfillPrinter.json(report, dryRun: dryRun) : BackfillPrinter.text(report, dryRun: dryRun))
        if let failure = report.failure {
            ServeCommand.fail("backfill stopped: \(failure)")
            if case .api(let error) = failure, error.isAuthentication { throw ExitCode(2) }
            throw ExitCode(1)
        }
        if report.failedRequests > 0 { throw ExitCode(1) }
    }

    /// An instant given as RFC 3339, Unix seconds, or a duration ago (`6h`).
    static func instant(_ text: String?, name: String, nowMillis: Int64) throws(SettingValue.Invalid) -> Int64? {
        guard let text else { return nil }
        if let millis = Timestamp.parse(text) { return millis }
        return nowMillis
            - (try SettingValue.duration(text, name: name + " (RFC 3339, Unix seconds or a duration ago)"))
            .wholeMilliseconds
    }
}
