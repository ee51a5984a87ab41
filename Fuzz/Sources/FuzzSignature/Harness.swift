import FuzzSupport
import RelayCore
import RelayDispatch
import Sinks

private let verifier = SignatureVerifier(secrets: ["whsec_fuzzing_secret_0123456789"], toleranceSeconds: 300)

/// Header parsing: the input is `timestamp \n signature \n body`. Also the other parsers of
/// short network text: instants, Retry-After, HTTP dates, durations, sizes, rates, hex, base64,
/// Standard Webhooks secrets; and the escapers' guarantees.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSignature(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let lines = bytes.split(separator: 0x0A, maxSplits: 2, omittingEmptySubsequences: false)
    let timestamp = String(decoding: lines.first ?? [], as: UTF8.self)
    let signature = lines.count > 1 ? String(decoding: lines[1], as: UTF8.self) : nil
    let body = lines.count > 2 ? Array(lines[2]) : []
    let now: Int64 = 1_763_892_930
    _ = try? verifier.checkHeaders(timestamp: timestamp, signature: signature, now: now)
    body.withUnsafeBytes { raw in
        if (try? verifier.verify(timestamp: timestamp, signature: signature, body: raw, now: now)) != nil {
            // Only the right HMAC may pass.
            let expected = SignatureVerifier.signatureHeader(
                secret: "whsec_fuzzing_secret_0123456789", timestamp: timestamp.trimmingCharacters(), body: body)
            if !(signature ?? "").contains(expected.dropFirst(3)) { Scratch.fail("a forged signature verified") }
        }
    }
    // A sink's response header line: any bytes, any wanted name length.
    bytes.withUnsafeBytes { raw in
        switch ResponseHeaderLine.parse(raw, wanted: { $0 == size % 64 || $0 == 11 }) {
        case .header(let name, _):
            // An ASCII name comes back as exactly its bytes, lowercased.
            let raw = bytes.prefix { $0 != UInt8(ascii: ":") }
            if raw.allSatisfy({ $0 < 0x80 }),
                name.utf8.elementsEqual(raw.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }) == false
            {
                Scratch.fail("a header name not lowercased")
            }
        case .status:
            if !bytes.starts(with: Array("HTTP/".utf8)) { Scratch.fail("a status line that is not one") }
        case .skipped:
            break
        }
    }
    for text in [timestamp, signature ?? ""] {
        _ = Timestamp.parse(text)
        _ = RetryMachine.retryAfterMillis(text, nowMillis: now * 1000)
        // Retry hints from sink answers: headers and Discord's 429 body.
        if let seconds = RetryHint.seconds(text), !(0...RetryHint.maximumSeconds).contains(seconds) {
            Scratch.fail("a retry hint outside its bounds")
        }
        if let combined = RetryHint.combine(retryAfter: text, hintSeconds: RetryHint.seconds(text)),
            combined.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), combined != text, Int64(combined) == nil
        {
            Scratch.fail("a combined Retry-After that is not a number")
        }
        _ = DiscordRateLimit.interpret(.response(status: 429, retryAfter: text, bodyExcerpt: text))
        _ = HTTPDate.parse(text)
        _ = DurationParser.parse(text)
        _ = DurationParser.parseOrOff(text)
        _ = SizeParser.parse(text)
        _ = Rate(parsing: text)
        _ = Hex.decode(text)
        _ = Base64.decode(Substring(text))
        _ = try? StandardWebhooksSigner(secret: text)
        if SlackText.escape(text).unicodeScalars.contains(where: { $0 == "<" || $0 == ">" }) {
            Scratch.fail("markup survived Slack escaping")
        }
        if DiscordText.truncated(DiscordText.escape(text)).utf16.count > DiscordText.contentLimit {
            Scratch.fail("Discord content over the limit")
        }
        if LogEscaping.escape(text).unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            Scratch.fail("a control character survived log escaping")
        }
        if let millis = Timestamp.parse(text) { _ = Timestamp.rfc3339(millis: millis) }
    }
    return 0
}

extension String {
    fileprivate func trimmingCharacters() -> String {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" { slice = slice.dropFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice = slice.dropLast() }
        return String(slice)
    }
}
