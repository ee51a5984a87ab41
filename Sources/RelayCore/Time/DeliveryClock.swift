#if canImport(Glibc)
    import Glibc
#endif

/// The clock a delivery scheduler runs on: a monotonic `Clock` for due times and pacing, and the
/// wall time, which acceptance ages (`max_age`) and HTTP-date `Retry-After` values are measured
/// against.
package protocol DeliveryClock: Clock, Sendable where Duration == Swift.Duration, Instant == MonotonicInstant {
    /// Milliseconds since the Unix epoch.
    var wallMillis: Int64 { get }
}
