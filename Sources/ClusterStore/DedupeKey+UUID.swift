import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import RelayCore
import Spool
import Synchronization

extension DedupeKey {
    /// The fingerprint as a `uuid` (big-endian high, then low).
    var uuid: UUID {
        let high = high.bigEndian
        let low = low.bigEndian
        var bytes = (
            UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0),
            UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0)
        )
        withUnsafeMutableBytes(of: &bytes) { raw in
            raw.storeBytes(of: high, toByteOffset: 0, as: UInt64.self)
            raw.storeBytes(of: low, toByteOffset: 8, as: UInt64.self)
        }
        return UUID(uuid: bytes)
    }

    init(uuid: UUID) {
        let (high, low) = withUnsafeBytes(of: uuid.uuid) { raw in
            (
                raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self),
                raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
            )
        }
        self.init(high: UInt64(bigEndian: high), low: UInt64(bigEndian: low))
    }
}
