import CCurl
import RelayCore

/// One in-flight transfer: its easy handle, header list, captured response, and completion.
/// Owned by the dispatcher thread; callbacks reach it through libcurl's user-data pointer.
final class Transfer {
    let handle: UnsafeMutableRawPointer
    private var headerList: UnsafeMutablePointer<curl_slist>?
    let completion: CurlDispatcher.Completion
    let started: ContinuousClock.Instant
    var bodyExcerpt: [UInt8] = []
    /// Most bytes of the response body kept (the request's `maxResponseBytes`).
    private var bodyLimit = 2048
    var retryAfter: String?
    /// The largest value of the request's retry-hint headers, in seconds.
    private var hintSeconds: Double?
    private var retryHintHeaders: [String] = []

    init(handle: UnsafeMutableRawPointer, completion: @escaping CurlDispatcher.Completion) {
        self.handle = handle
        self.completion = completion
        self.started = .now
    }

    /// Sets every option for `request`; false if libcurl refused one.
    func configure(_ request: OutboundRequest) -> Bool {
        retryHintHeaders = request.retryHintHeaders
        var list: UnsafeMutablePointer<curl_slist>? = nil
        for (name, value) in request.headers { list = curl_slist_append(list, "\(name): \(value)") }
        // No "Expect: 100-continue" round trip before bodies over 1 KiB.
        list = curl_slist_append(list, "Expect:")
        headerList = list
        let timeoutMillis = max(1, Int(request.timeout.wholeMilliseconds))
        let me = Unmanaged.passUnretained(self).toOpaque()
        bodyLimit = request.maxResponseBytes
        var ok = relay_curl_easy_setopt_string(handle, CURLOPT_URL, request.url) == CURLE_OK
        ok = ok && relay_curl_easy_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK
        ok = ok && relay_curl_easy_setopt_long(handle, CURLOPT_NOSIGNAL, 1) == CURLE_OK
        if let caFile = request.caFile {
            ok = ok && relay_curl_easy_setopt_string(handle, CURLOPT_CAINFO, caFile) == CURLE_OK
        }
        switch request.method {
        case .get:
            ok = ok && relay_curl_easy_setopt_long(handle, CURLOPT_HTTPGET, 1) == CURLE_OK
        case .post:
            ok = ok && relay_curl_easy_setopt_long(handle, CURLOPT_POST, 1) == CURLE_OK
            ok = ok && relay_curl_easy_setopt_long(handle, CURLOPT_POSTFIELDSIZE, request.body.count) == CURLE_OK
            ok =
                ok
                && request.body.withUnsafeBytes {
                    relay_curl_easy_setopt_pointer(
                        handle, CURLOPT_COPYPOSTFIELDS,
                        UnsafeMutableRawPointer(mutating: $0.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!))
                        == CURLE_OK
                }
        }
        ok = ok && relay_curl_easy_setopt_slist(handle, CURLOPT_HTTPHEADER, list) == CURLE_OK
        ok = ok && relay_curl_easy_setopt_long(handle, CURLOPT_TIMEOUT_MS, timeoutMillis) == CURLE_OK
        ok = ok && relay_curl_easy_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, timeoutMillis) == CURLE_OK
        ok = ok && relay_curl_easy_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0) == CURLE_OK
        ok = ok && relay_curl_easy_setopt_long(handle, CURLOPT_TCP_KEEPALIVE, 1) == CURLE_OK
        ok = ok && relay_curl_easy_setopt_long(handle, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS) == CURLE_OK
        ok = ok && relay_curl_easy_setopt_write_function(handle, CURLOPT_WRITEFUNCTION, bodyCallback) == CURLE_OK
        ok = ok && relay_curl_easy_setopt_pointer(handle, CURLOPT_WRITEDATA, me) == CURLE_OK
        ok = ok && relay_curl_easy_setopt_write_function(handle, CURLOPT_HEADERFUNCTION, headerCallback) == CURLE_OK
        ok = ok && relay_curl_easy_setopt_pointer(handle, CURLOPT_HEADERDATA, me) == CURLE_OK
        return ok
    }

    /// The attempt's result once libcurl reports it done with `code`.
    func result(code: CURLcode) -> DeliveryResult {
        guard code == CURLE_OK else {
            let message = String(cString: curl_easy_strerror(code))
            let kind: DeliveryResult.TransportFailure
            switch code {
            case CURLE_OPERATION_TIMEDOUT: kind = .timeout
            case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY: kind = .dns
            case CURLE_COULDNT_CONNECT, CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_SSL_CONNECT_ERROR:
                kind = .connect
            default: kind = .other
            }
            return .transportFailure(kind, message: message)
        }
        var status = 0
        _ = relay_curl_easy_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return .response(
            status: status, retryAfter: RetryHint.combine(retryAfter: retryAfter, hintSeconds: hintSeconds),
            bodyExcerpt: String(decoding: bodyExcerpt, as: UTF8.self))
    }

    /// Frees the header list; the easy handle goes back to the dispatcher's pool.
    func release() {
        curl_slist_free_all(headerList)
        headerList = nil
    }

    fileprivate func appendBody(_ bytes: UnsafeRawBufferPointer) {
        let room = bodyLimit - bodyExcerpt.count
        if room > 0 { bodyExcerpt.append(contentsOf: bytes.prefix(room)) }
    }

    /// One response header line, as libcurl hands it over (see ``ResponseHeaderLine``).
    fileprivate func header(_ line: UnsafeRawBufferPointer) {
        let parsed = ResponseHeaderLine.parse(line) { length in
            length == Self.retryAfterName.utf8.count || retryHintHeaders.contains { $0.utf8.count == length }
        }
        switch parsed {
        case .status:
            retryAfter = nil  // a new response (after 1xx): forget the previous one's headers
            hintSeconds = nil
        case .header(let name, let value):
            if name == Self.retryAfterName {
                retryAfter = value
            } else if retryHintHeaders.contains(name), let seconds = RetryHint.seconds(value) {
                hintSeconds = max(hintSeconds ?? 0, seconds)
            }
        case .skipped:
            break
        }
    }

    private static let retryAfterName = "retry-after"
}

// Capture-free C callbacks (a capturing @convention(c) closure crashes swift-frontend 6.3.1);
// the transfer arrives through the user-data pointer.

private let bodyCallback: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = {
    data, size, count, user in
    let length = size * count
    guard let data, let user else { return length }
    Unmanaged<Transfer>.fromOpaque(user).takeUnretainedValue().appendBody(
        UnsafeRawBufferPointer(start: data, count: length))
    return length
}

private let headerCallback: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = {
    data, size, count, user in
    let length = size * count
    guard let data, let user else { return length }
    Unmanaged<Transfer>.fromOpaque(user).takeUnretainedValue().header(
        UnsafeRawBufferPointer(start: data, count: length))
    return length
}
