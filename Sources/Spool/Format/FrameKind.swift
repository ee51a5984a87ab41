/// What the frames of one kind of file look like, so that resynchronisation can skip
/// implausible offsets cheaply (before computing a CRC) and check a candidate fully.
package struct FrameKind: Sendable {
    /// Bytes of payload ``plausible`` is shown (fewer if the payload is shorter).
    package static let prefixBytes = 32

    package var name: String
    /// A cheap test on the declared length and the payload's first bytes.
    package var plausible: @Sendable (_ length: Int, _ prefix: ArraySlice<UInt8>) -> Bool
    /// The full test on a payload whose CRC matched.
    package var accept: @Sendable (ArraySlice<UInt8>) -> Bool

    package init(
        name: String, plausible: @escaping @Sendable (Int, ArraySlice<UInt8>) -> Bool,
        accept: @escaping @Sendable (ArraySlice<UInt8>) -> Bool
    ) {
        self.name = name
        self.plausible = plausible
        self.accept = accept
    }

    /// Acknowledgement files: one `u64` sequence per frame.
    package static let acks = FrameKind(name: "acks", plausible: { length, _ in length == 8 }, accept: { _ in true })
}
