/// The data directory's layout, in one place:
///
///     spool/<sink>/<first sequence, 20 digits>.seg    append-only segments of one sink
///     spool/<sink>/<first sequence, 20 digits>.acks   delivered-or-dead sequences of that segment
///     spool/<sink>/spare-segment.unused.tmp           an empty segment made in advance
///     spool/<sink>/spare-segment.making.tmp           the spare while it is being made
///     seen/<unix hour, 12 digits>[.<n>].log           the dedupe log, one file per hour
///     dead/<sink>.dead                                dead letters and replay marks
///     instance-id                                     cluster mode's name for this instance
///
/// The formats of these files are described in `SpoolFormat.swift`.
package struct DataDirectory: Sendable, Hashable {
    package let root: String

    package init(_ root: String) { self.root = root }

    /// Every sink's spool directory lives here.
    package var spools: String { root + "/spool" }
    /// One sink's spool directory.
    package func spool(_ sink: String) -> String { spools + "/" + sink }
    /// The dedupe log's directory.
    package var seen: String { root + "/seen" }
    /// The dead-letter logs' directory.
    package var dead: String { root + "/dead" }
    /// Cluster mode's instance name.
    package var instanceID: String { root + "/instance-id" }

    /// Sinks that have a dead-letter log, sorted.
    package func deadLetterSinks(fileSystem: any FileSystem = PosixFileSystem.shared) -> [String] {
        fileSystem.list(dead).filter { $0.hasSuffix(Self.deadLetterSuffix) }
            .map { String($0.dropLast(Self.deadLetterSuffix.count)) }.sorted()
    }

    /// The segment of a spool directory starting at sequence `first`.
    package static func segmentFile(in directory: String, first: UInt64) -> String {
        directory + "/" + sequenceName(first) + segmentSuffix
    }

    /// The acknowledgements of the segment starting at `first`.
    package static func acknowledgementsFile(in directory: String, first: UInt64) -> String {
        directory + "/" + sequenceName(first) + ".acks"
    }

    /// A sink's dead-letter log in a dead-letter directory.
    package static func deadLetterFile(in directory: String, sink: String) -> String {
        directory + "/" + sink + deadLetterSuffix
    }

    /// The first sequences of the segments in a spool directory, unsorted.
    package static func segmentFirsts(in directory: String, fileSystem: any FileSystem = PosixFileSystem.shared)
        -> [UInt64]
    {
        fileSystem.list(directory).filter { $0.hasSuffix(segmentSuffix) }
            .compactMap { UInt64($0.dropLast(segmentSuffix.count)) }
    }

    package static let segmentSuffix = ".seg"
    package static let deadLetterSuffix = ".dead"
    package static let spareSegmentName = "spare-segment.unused.tmp"
    package static let spareSegmentDraftName = "spare-segment.making.tmp"

    /// Sequence numbers as 20 digits, so names sort in sequence order.
    private static func sequenceName(_ first: UInt64) -> String {
        let digits = String(first)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits
    }
}
