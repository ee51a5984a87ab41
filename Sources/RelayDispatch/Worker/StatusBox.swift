import Foundation
import Logging
import RelayCore
import Spool
import Synchronization

/// The worker's status, shared between its thread and readers.
final class StatusBox: Sendable {
    let value = Mutex(SinkWorker.Status())
    let recent = Mutex(RecentAttempts(capacity: 200))
    /// Ten minutes in 10-second buckets.
    let activity = Mutex(AttemptActivity(bucketMillis: 10_000, buckets: 60))
}
