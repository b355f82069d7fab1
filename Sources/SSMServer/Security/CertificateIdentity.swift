/// One name of a TLS client certificate, with the field it comes from, as a client's
/// `mtlsIdentity` (`cn:monitor`, `dns:webconsole.internal`, `uri:spiffe://corp/udm`,
/// `email:ops@example.com`). A certificate proves a client's identity only in the field the
/// configuration names, so a SAN can never stand in for another client's CN.
///
/// A value without one of the four prefixes is a subject CN (`monitor` is `cn:monitor`), as
/// configurations written before the prefixes meant it in practice.
public struct CertificateIdentity: Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The certificate field.
    public enum Field: String, Sendable, Hashable, CaseIterable {
        /// The subject's common name.
        case cn
        /// A DNS-name SAN (compared without regard to letter case).
        case dns
        /// A URI SAN.
        case uri
        /// An e-mail (rfc822Name) SAN.
        case email
    }

    /// Where the name is.
    public var field: Field
    /// The name.
    public var value: String

    /// `value` in `field`.
    public init(_ field: Field, _ value: String) {
        self.field = field
        self.value = field == .dns ? value.lowercased() : value
    }

    /// Parses `text`: `field:value`, or a bare CN.
    public init(parsing text: String) {
        if let colon = text.firstIndex(of: ":"), let field = Field(rawValue: text[..<colon].lowercased()) {
            self.init(field, String(text[text.index(after: colon)...]))
        } else {
            self.init(.cn, text)
        }
    }

    /// A literal is parsed as in the configuration.
    public init(stringLiteral text: String) {
        self.init(parsing: text)
    }

    /// `field:value`.
    public var description: String { "\(field.rawValue):\(value)" }
}
