import ArgumentParser

/// `moda-relay`: the webhook relay and fan-out gateway for Moda.
@main
struct ModaRelayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "moda-relay",
        abstract: "Webhook relay and fan-out gateway for Moda's design API.",
        discussion: """
            Verifies and dedupes Moda webhooks, acknowledges them once durably spooled, and \
            delivers them to the sinks named by routes/*.yaml.
            """,
        subcommands: [
            ServeCommand.self, CheckCommand.self, SendCommand.self, ExplainCommand.self, SinksCommand.self,
            DeadCommand.self, BackfillCommand.self,
        ],
        defaultSubcommand: nil
    )
}
