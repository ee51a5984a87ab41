import Testing

@testable import RelayCore

@Suite struct TimestampTests {
    @Test func formatsUTCWithMilliseconds() {
        #expect(Timestamp.rfc3339(millis: 0) == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp.rfc3339(millis: 1_763_892_930_250) == "2025-11-23T10:15:30.250Z")
    }

    @Test func parsesRFC3339AndUnixSeconds() {
        #expect(Timestamp.parse("2025-11-23T10:15:30Z") == 1_763_892_930_000)
        #expect(Timestamp.parse("2025-11-23T10:15:30.25Z") == 1_763_892_930_250)
        #expect(Timestamp.parse("2025-11-23T10:15:30.250123Z") == 1_763_892_930_250)
        #expect(Timestamp.parse("2025-11-23T11:15:30+01:00") == 1_763_892_930_000)
        #expect(Timestamp.parse("2025-11-23T05:15:30-05:00") == 1_763_892_930_000)
        #expect(Timestamp.parse("1763892930") == 1_763_892_930_000)
        #expect(Timestamp.parse(Timestamp.rfc3339(millis: 1_700_000_000_123)) == 1_700_000_000_123)
    }

    @Test func rejectsWhatIsNotAnInstant() {
        for bad in [
            "", "yesterday", "2025-11-23", "2025-11-23T10:15:30", "2025-13-01T00:00:00Z", "2025-11-23T10:15:30.Z",
            "2025-11-23T10:15:30+0100", "-5", "2025-11-23T10:15:30Zjunk",
        ] {
            #expect(Timestamp.parse(bad) == nil, "\(bad)")
        }
    }
}
