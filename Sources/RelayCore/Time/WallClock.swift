#if canImport(Glibc)
    import Glibc
#endif

/// Wall-clock time in milliseconds since the epoch.
package enum WallClock {
    package static func nowMillis() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }
}
