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
            guard let read = AdminToken.read(file) else {
                ServeCommand.fail("cannot read an admin token from \(file)")
                throw ExitCode(1)
            }
            token = read
        }
        return AdminClient(base: base, token: token)
    }
}
