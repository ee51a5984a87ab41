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

@Suite struct TimestampOverflowTests {
    /// Hardening finding 1: `since=9223372036854776` trapped on `seconds * 1000`.
    @Test(arguments: [
        "9223372036854776", "9223372036854775807", "99999999999999999999", "253402300800", "999999999999",
        "+5", "1e9", "9999-12-31T23:59:59-99:59", "0000-01-01T00:00:00+01:00",
    ])
    func hugeOrOutOfRangeInstantsAreRefusedNotTrapped(_ text: String) {
        #expect(Timestamp.parse(text) == nil, "\(text)")
    }

    @Test func theLatestInstantStillParses() {
        #expect(Timestamp.parse("253402300799") == 253_402_300_799_000)
        #expect(Timestamp.parse("9999-12-31T23:59:59.999Z") == Timestamp.latestMillis)
        #expect(Timestamp.parse("0") == 0)
    }
}
