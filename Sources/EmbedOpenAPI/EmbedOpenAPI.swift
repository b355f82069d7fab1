import Foundation

/// `EmbedOpenAPI DOCUMENT OUTPUT`: writes OUTPUT, a Swift file declaring
/// `OpenAPIDocument.yaml`, a string holding exactly the bytes of DOCUMENT (UTF-8, `\n` line
/// ends). Run by the `EmbedOpenAPIDocument` build-tool plugin.
@main
enum EmbedOpenAPI {
    static func main() {
        let arguments = CommandLine.arguments
        guard arguments.count == 3 else { fail("usage: EmbedOpenAPI DOCUMENT OUTPUT") }
        let (document, output) = (arguments[1], arguments[2])
        guard let bytes = FileManager.default.contents(atPath: document) else { fail("cannot read \(document)") }
        guard let text = String(validating: bytes, as: UTF8.self) else { fail("\(document) is not UTF-8") }
        // A multi-line string literal turns "\r\n" into "\n": the served bytes would differ.
        guard !text.contains("\r") else { fail("\(document) has a carriage return; use \\n line ends") }
        guard FileManager.default.createFile(atPath: output, contents: Data(swiftSource(text, from: document).utf8)) else {
            fail("cannot write \(output)")
        }
    }

    /// The Swift file: a raw multi-line string whose delimiter has one `#` more than the longest
    /// run of `#` in `text`, so that nothing in it can close or interpolate the literal.
    static func swiftSource(_ text: String, from document: String) -> String {
        var longest = 0
        var run = 0
        for character in text {
            run = character == "#" ? run + 1 : 0
            longest = max(longest, run)
        }
        let hashes = String(repeating: "#", count: longest + 1)
        return """
            // Generated at build time from \(document) by the EmbedOpenAPIDocument plugin.

            extension OpenAPIDocument {
                /// The contents of `docs/openapi.yaml`.
                static let yaml = \(hashes)\"\"\"
            \(text)
            \"\"\"\(hashes)
            }

            """
    }

    private static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("EmbedOpenAPI: \(message)\n".utf8))
        exit(1)
    }
}
