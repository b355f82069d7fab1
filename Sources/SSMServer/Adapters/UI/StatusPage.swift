import HTTPTypes
import Hummingbird
import NIOCore

/// The status page's files, compiled into the binary (no resource bundle, no CDN): the HTML
/// (`StatusPage+HTML.swift`), the script (`StatusPage+Script.swift`) and the style sheet
/// (`StatusPage+Style.swift`).
enum StatusPage {
    /// The policy every file of the page is served with: nothing inline, nothing from
    /// elsewhere; the script may only call ssm itself.
    static let contentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
        + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    /// One file of the page.
    enum Asset: CaseIterable {
        case html, script, style

        /// Where it is served.
        var path: String {
            switch self {
            case .html: "/ui"
            case .script: "/ui/app.js"
            case .style: "/ui/app.css"
            }
        }

        var contentType: String {
            switch self {
            case .html: "text/html; charset=utf-8"
            case .script: "text/javascript; charset=utf-8"
            case .style: "text/css; charset=utf-8"
            }
        }

        var text: String {
            switch self {
            case .html: StatusPage.html
            case .script: StatusPage.script
            case .style: StatusPage.style
            }
        }

        /// The file with its type and the page's security headers.
        func response() -> Response {
            var headers: HTTPFields = [
                .contentType: contentType,
                .contentSecurityPolicy: StatusPage.contentSecurityPolicy,
                .xContentTypeOptions: "nosniff",
                .cacheControl: "no-cache",
            ]
            headers[.referrerPolicy] = "no-referrer"
            headers[.xFrameOptions] = "DENY"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
        }
    }
}

extension HTTPField.Name {
    static let referrerPolicy: HTTPField.Name = {
        guard let name = HTTPField.Name("Referrer-Policy") else { preconditionFailure("Referrer-Policy is a valid field name") }
        return name
    }()

    static let xFrameOptions: HTTPField.Name = {
        guard let name = HTTPField.Name("X-Frame-Options") else { preconditionFailure("X-Frame-Options is a valid field name") }
        return name
    }()
}
