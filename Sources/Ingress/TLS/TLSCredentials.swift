import NIOSSL
import Synchronization

/// The ingress's TLS certificate chain and private key (PEM files), reloadable.
///
/// Loading builds a complete server context (TLS 1.2 or later), so a missing file, a bad PEM or
/// a key that does not belong to the certificate is an error at start, and on reload leaves
/// the previous pair serving. New connections use the current pair; open ones keep theirs.
package final class TLSCredentials: Sendable {
    /// A TLS setup problem, naming the file and what is wrong with it.
    package struct Failure: Error, Sendable, CustomStringConvertible {
        package var message: String
        package var description: String { message }
    }

    package let certificateFile: String
    package let keyFile: String
    private let context: Mutex<NIOSSLContext>

    /// Loads the pair; throws with a clear message if it cannot serve.
    package init(certificateFile: String, keyFile: String) throws(Failure) {
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        context = Mutex(try Self.load(certificateFile: certificateFile, keyFile: keyFile))
    }

    /// The context new connections get.
    package var current: NIOSSLContext { context.withLock { $0 } }

    /// Reads the files again; on failure the previous pair keeps serving and the error is thrown.
    package func reload() throws(Failure) {
        let fresh = try Self.load(certificateFile: certificateFile, keyFile: keyFile)
        context.withLock { $0 = fresh }
    }

    static func load(certificateFile: String, keyFile: String) throws(Failure) -> NIOSSLContext {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificateFile)
        } catch {
            throw Failure(message: "cannot read the TLS certificate chain \(certificateFile): \(error)")
        }
        guard !chain.isEmpty else {
            throw Failure(message: "the TLS certificate file \(certificateFile) holds no PEM certificate")
        }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: keyFile, format: .pem)
        } catch {
            throw Failure(message: "cannot read the TLS private key \(keyFile): \(error)")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw Failure(
                message:
                    "the TLS key \(keyFile) does not fit the certificate \(certificateFile) (or is unusable): \(error)")
        }
    }
}
