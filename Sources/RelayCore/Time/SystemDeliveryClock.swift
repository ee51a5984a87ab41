#if canImport(Glibc)
    import Glibc
#endif

/// The real clocks: `CLOCK_MONOTONIC` (what worker inboxes wait on) and `CLOCK_REALTIME`.
package struct SystemDeliveryClock: DeliveryClock {
    package init() {}

    package var now: MonotonicInstant { MonotonicInstant(nanoseconds: Self.monotonicNanos()) }

    package var minimumResolution: Duration { .nanoseconds(1) }

    package var wallMillis: Int64 { WallClock.nowMillis() }

    package func sleep(until deadline: MonotonicInstant, tolerance: Duration? = nil) async throws {
        let now = self.now
        guard deadline > now else { return }
        try await Task.sleep(for: now.duration(to: deadline))
    }

    /// `CLOCK_MONOTONIC` in nanoseconds.
    package static func monotonicNanos() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }
}
