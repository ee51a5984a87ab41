import RelayCore
import Testing

@testable import Spool

@Suite struct FormatTests {
    @Test func crc32cKnownVectors() {
        // RFC 3720 / iSCSI check value and an all-zero vector.
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([]) == 0)
        for vector: [UInt8] in [Array("123456789".utf8), [UInt8](repeating: 0, count: 32)] {
            #expect(vector.withUnsafeBytes { CRC32C.software($0) } == CRC32C.checksum(vector))
        }
    }

    /// The CRC32 instruction path agrees with the tables for every length (the 8-byte loop and
    /// the byte tail) and every alignment.
    @Test func crc32cInstructionMatchesTheTables() {
        #if arch(x86_64)
            #expect(CRC32C.usesHardware, "this machine's CPU has SSE 4.2")
        #endif
        var random = SeededRandom(seed: 42)
        let bytes = (0..<4096).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        bytes.withUnsafeBytes { all in
            for _ in 0..<2000 {
                let start = Int(random.next() % 64)
                let length = Int(random.next() % 2048)
                let slice = UnsafeRawBufferPointer(rebasing: all[start..<start + length])
                #expect(CRC32C.checksum(slice) == CRC32C.software(slice), "offset \(start), length \(length)")
            }
        }
    }

    @Test func recordRoundTrip() {
        let record = SpoolRecord(
            sequence: 42, acceptedAtMillis: 1_760_000_000_123, dedupeKey: "job:j1:job.failed", eventType: "job.failed",
            body: Array(#"{"event":"job.failed"}"#.utf8))
        let decoded = SpoolRecord(decoding: record.encoded()[...])
        #expect(decoded == record)
        var truncated = record.encoded()
        truncated.removeLast()
        #expect(SpoolRecord(decoding: truncated[...]) == nil)
    }

    @Test func frameScanStopsAtTornOrCorruptFrame() {
        var bytes: [UInt8] = []
        for index in 0..<3 { Frame.append(payload: Array("payload-\(index)".utf8), to: &bytes) }
        let complete = bytes.count
        Frame.append(payload: Array("torn".utf8), to: &bytes)
        let torn = Array(bytes.dropLast(2))
        let scan = Frame.scan(torn, from: 0)
        #expect(scan.payloads.count == 3)
        #expect(scan.validLength == complete)
        var corrupt = bytes
        corrupt[complete + 9] ^= 0xFF  // flip a payload byte of the 4th frame
        #expect(Frame.scan(corrupt, from: 0).payloads.count == 3)
        #expect(Frame.scan(bytes, from: 0).payloads.count == 4)
    }

    @Test func seenEntryRoundTrip() {
        let entry = SeenEntry(key: DedupeKey(high: 1, low: .max), acceptedAtMillis: -5)
        #expect(SeenEntry(decoding: entry.encoded()[...]) == entry)
    }

    @Test func seenSetExpiresOutsideTheWindow() {
        let set = SeenSet(windowMillis: 1000)
        let key = DedupeKey(high: 1, low: 2)
        set.insert([SeenEntry(key: key, acceptedAtMillis: 10_000)], nowMillis: 10_000)
        #expect(set.contains(key, nowMillis: 10_999))
        #expect(!set.contains(key, nowMillis: 11_000))
        set.insert([SeenEntry(key: DedupeKey(high: 3, low: 4), acceptedAtMillis: 20_000)], nowMillis: 20_000)
        #expect(set.count == 1)
    }
}

/// The largest `max_body` (RelayConfig) leaves room in a frame for the record around it.
@Suite struct FrameLimitTests {
    @Test func aMaximumBodyRecordFitsInAFrame() {
        let body = [UInt8](repeating: 0x61, count: 32 << 20)
        let record = SpoolRecord(
            sequence: 1, acceptedAtMillis: 1, dedupeKey: String(repeating: "k", count: 256),
            eventType: String(repeating: "t", count: 256), body: body)
        #expect(record.encoded().count <= SpoolFormat.maximumPayload)
        let letter = DeadLetter(
            sink: String(repeating: "s", count: 255), sequence: 1, dedupeKey: String(repeating: "k", count: 256),
            eventType: "t", acceptedAtMillis: 1, deadAtMillis: 1, attempts: 1, lastStatus: 500,
            lastError: String(repeating: "e", count: 4096), responseExcerpt: String(repeating: "r", count: 4096),
            reason: String(repeating: "why", count: 1000), body: body)
        #expect(letter.encoded().count <= SpoolFormat.maximumPayload)
    }
}
