// # The spool: on-disk format and invariants
//
// The layout of the data directory (segments, their `.acks`, the spare segment, the seen log,
// dead letters, the instance id) is ``DataDirectory``'s, in `Files/DataDirectory.swift`.
//
// Every segment and seen-log file starts with an 8-byte magic (`MRSPOOL1` / `MRSEEN01`) and
// then holds frames:
//
//     [u32 LE payload length][u32 LE CRC32C of payload][payload]
//
// A segment payload is one ``SpoolRecord`` (kind, sequence number, acceptance time, dedupe key,
// event type, raw body, see `SpoolRecord.swift`); a seen-log payload is one ``SeenEntry``
// (128-bit key fingerprint + acceptance time). All integers are little-endian.
//
// Invariants:
//
// 1. A single writer (``GroupCommitWriter``) appends. A batch of appends is written to every
//    touched segment, each segment is `fdatasync`'d, then the batch's seen entries are
//    written, and only then are the callers told "durable". A key is never in the seen log
//    unless its records are already durable in every spool they route to.
//    The durable seen-set is the seen log plus the keys of the records in every spool's tail
//    segment (recovery restores those). So the seen log is `fdatasync`'d in the batch itself
//    only when the batch holds an event that matched no route (no record carries its key);
//    otherwise its sync is deferred until a tail segment is about to be replaced (roll), the
//    log moves to a new hour file, or the writer closes. Whoever deletes or replaces a tail
//    segment (the reader side) must sync deferred seen entries first.
// 2. If any write or sync of a batch fails, every file the batch touched is truncated back to
//    its size before the batch and the whole batch fails: no partial batch survives to be
//    followed by later records.
// 3. Sequence numbers are per sink, strictly increasing, never reused; a segment is named by
//    its first sequence number, so segments sort in record order. A new segment starts when the
//    current one exceeds the segment size; its directory is fsync'd when it is created.
// 4. Recovery reads each file's frames in order and stops at the first frame that is
//    incomplete or fails its CRC; the file is truncated there. Only bytes that were never
//    acknowledged can lie beyond that point (they belong to the batch in flight at the crash).
//    Every complete record is kept, and its key re-enters the seen-set.
// 5. The reader side (``SpoolReader``) hands out records below the writer's ``CommitMark``
//    and records delivery progress in `<first-seq>.acks` beside each segment (frames of one
//    `u64` sequence). Sequences are contiguous, so segment *i* holds exactly
//    `[first_i, first_{i+1})`; a segment other than the tail is deleted once all of them are
//    acknowledged, and the writer is told the bytes freed. The tail is never deleted (see 1).
//    Bytes a reader read ahead may belong to a batch that was later rolled back; the mark's
//    rollback generation tells it to re-read from the file.
// 6. Freeing space never needs space. A reader deletes fully acknowledged segments before it
//    writes acks, from what it knows in memory, so a full disk cannot stop deletion. A backlog
//    that lives in the tail segment is freed by retiring the tail: when the disk or the spool
//    is full and every committed record is acknowledged, the writer syncs the deferred seen
//    entries and renames the spare segment (magic written and synced while there was room)
//    into place as the new tail; the old tail is then an ordinary segment the reader deletes.

/// Constants of the on-disk format.
package enum SpoolFormat {
    /// Magic at the start of each segment.
    package static let segmentMagic: [UInt8] = Array("MRSPOOL1".utf8)
    /// Magic at the start of each seen-log file.
    package static let seenMagic: [UInt8] = Array("MRSEEN01".utf8)
    /// Bytes of frame header: length + CRC.
    package static let frameHeaderSize = 8
    /// Largest payload recovery accepts; anything larger is treated as a torn or corrupt frame.
    package static let maximumPayload = 64 << 20
}
