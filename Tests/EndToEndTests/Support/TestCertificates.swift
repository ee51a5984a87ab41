import Foundation
import RelayTestSupport

/// Throwaway TLS material made with the `openssl` command: a CA and a localhost certificate
/// it signed (SAN localhost and 127.0.0.1).
struct TestCertificates {
    let directory: String
    var caFile: String { directory + "/ca.pem" }
    /// The leaf certificate followed by its CA: a chain.
    var chainFile: String { directory + "/chain.pem" }
    var keyFile: String { directory + "/key.pem" }

    init(in parent: String, name: String) throws {
        directory = parent + "/" + name
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let d = directory
        try Self.openssl([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", d + "/ca.key", "-out", d + "/ca.pem", "-days",
            "2", "-subj", "/CN=\(name) test CA",
        ])
        try Self.openssl([
            "req", "-newkey", "rsa:2048", "-nodes", "-keyout", d + "/key.pem", "-out", d + "/leaf.csr", "-subj",
            "/CN=localhost",
        ])
        try "subjectAltName=DNS:localhost,IP:127.0.0.1\n".write(
            toFile: d + "/ext.cnf", atomically: false, encoding: .utf8)
        try Self.openssl([
            "x509", "-req", "-in", d + "/leaf.csr", "-CA", d + "/ca.pem", "-CAkey", d + "/ca.key", "-CAcreateserial",
            "-out", d + "/leaf.pem", "-days", "2", "-extfile", d + "/ext.cnf",
        ])
        let chain =
            try String(contentsOfFile: d + "/leaf.pem", encoding: .utf8)
            + String(contentsOfFile: d + "/ca.pem", encoding: .utf8)
        try chain.write(toFile: chainFile, atomically: false, encoding: .utf8)
    }

    private static func openssl(_ arguments: [String]) throws {
        guard try ChildProcess.run("/usr/bin/openssl", arguments).status == 0 else {
            throw RelayProcess.Failure(description: "openssl \(arguments.first ?? "") failed")
        }
    }
}
