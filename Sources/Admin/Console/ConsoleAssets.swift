/// The browser console at `GET /ui`: one page, its stylesheet and its script, embedded in the
/// binary from `console.html`, `console.css` and `console.js` beside this file (no CDN, no build
/// step; it works offline). It is served by the admin listener only, never by the ingress.
///
/// The page is static and holds no secret, so it needs no token itself; everything it shows comes
/// from `/admin/*`, which the script calls with the token the user types (kept in the tab's
/// `sessionStorage`, sent as `Authorization: Bearer`). Every asset carries a strict
/// Content-Security-Policy: scripts, styles and requests from this origin only, no inline script,
/// no plugins, no forms posting elsewhere, and no framing (against clickjacking, with
/// `X-Frame-Options: DENY` for older browsers).
enum ConsoleAssets {
    static let contentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
        + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    /// The paths served, and what each is.
    static let paths = ["/ui", "/ui/", "/ui/console.js", "/ui/console.css"]

    /// The answer for `path`, or nil if it is not one of the console's.
    static func asset(path: String) -> AdminResponse? {
        switch path {
        case "/ui", "/ui/": return response(PackageResources.console_html, type: "text/html; charset=utf-8")
        case "/ui/console.js": return response(PackageResources.console_js, type: "text/javascript; charset=utf-8")
        case "/ui/console.css": return response(PackageResources.console_css, type: "text/css; charset=utf-8")
        default: return nil
        }
    }

    private static func response(_ body: [UInt8], type: String) -> AdminResponse {
        AdminResponse(
            status: 200, body: body, contentType: type,
            headers: [
                ("content-security-policy", contentSecurityPolicy), ("x-frame-options", "DENY"),
                ("x-content-type-options", "nosniff"), ("referrer-policy", "no-referrer"),
                ("cache-control", "no-store"),
            ])
    }
}
