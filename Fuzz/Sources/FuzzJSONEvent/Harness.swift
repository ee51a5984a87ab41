import FuzzSupport
import RelayCore

/// The JSON parser and the event decoder, both paths: no input may crash them, the fast path
/// (envelope only) and the full one must agree, and whatever parses must serialise back to the
/// same value.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSONEvent(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    let full = try? JSONParser.parse(bytes)
    let fast = try? JSONParser.parseTopLevel(bytes, keys: EventDecoder.envelopeKeys)
    if (full == nil) != (fast == nil) { Scratch.fail("fast and full parse disagree") }
    if let full {
        if String(validating: Array(bytes), as: UTF8.self) == nil { Scratch.fail("accepted invalid UTF-8") }
        let again = try? JSONParser.parse(Array(full.compactJSON.utf8))
        if again != full { Scratch.fail("compactJSON does not parse back to the same value") }
    }
    let event = try? EventDecoder.decode(bytes, fullDocument: true)
    let envelope = try? EventDecoder.decode(bytes, fullDocument: false)
    if (event == nil) != (envelope == nil) { Scratch.fail("decoders disagree") }
    if let event {
        if event.id.utf8.count > EventDecoder.maximumEnvelopeValueBytes { Scratch.fail("overlong id") }
        if event.id.unicodeScalars.contains(where: { $0.value < 0x20 }) { Scratch.fail("control character in id") }
        if event.id != envelope?.id || event.dedupeKey != envelope?.dedupeKey { Scratch.fail("ids differ") }
        _ = DedupeKey(event.dedupeKey)
        _ = TemplatesByType.builtInDefault.render(event.json)
    }
    return 0
}
