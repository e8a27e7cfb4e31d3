import Foundation
import OutcomesDatabase

/// A template of `notebooks-export/`: nbformat JSON whose text holds placeholders, `{{key}}` for the
/// value as text (the markdown cells) and `{{key|python}}` for it as a Python string literal (the
/// parameters cell), so that a value is data in the notebook and never code.
package struct NotebookTemplate: Sendable, Equatable {
    package let kind: NotebookExport.Kind
    package let text: String

    package init(kind: NotebookExport.Kind, text: String) {
        (self.kind, self.text) = (kind, text)
    }

    /// The kind's template from the notebook templates folder, or an error naming the file and the override.
    package static func read(_ kind: NotebookExport.Kind) throws -> NotebookTemplate {
        NotebookTemplate(kind: kind, text: try ResourceFolder.notebookTemplates.text(of: "\(kind.rawValue).ipynb").text)
    }

    /// The template with its placeholders filled, in one pass: a value is never searched for placeholders,
    /// and one not in `parameters` is left as it is.
    package func filled(with parameters: [String: String]) -> String {
        var filled = "", rest = text[...]
        while let open = rest.range(of: "{{") {
            filled += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                rest = rest[open.lowerBound...]
                break
            }
            let name = rest[open.upperBound..<close.lowerBound]
            let python = name.hasSuffix("|python")
            if let value = parameters[String(python ? name.dropLast("|python".count) : name)] {
                filled += Self.jsonStringContents(python ? Self.pythonLiteral(value) : value)
                rest = rest[close.upperBound...]
            } else {
                filled += "{{"
                rest = rest[open.upperBound...]
            }
        }
        return filled + rest
    }

    /// `value` as a double-quoted Python string literal that ends only at its closing quote: backslashes,
    /// quotes and every control or line-separating character escaped.
    package static func pythonLiteral(_ value: String) -> String {
        var literal = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\\": literal += "\\\\"
            case "\"": literal += "\\\""
            case "\n": literal += "\\n"
            case "\r": literal += "\\r"
            case "\t": literal += "\\t"
            case _ where scalar.value < 0x20 || (0x7f...0x9f).contains(scalar.value) || scalar.value == 0x2028 || scalar.value == 0x2029:
                let hex = String(scalar.value, radix: 16)
                literal += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: literal.unicodeScalars.append(scalar)
            }
        }
        return literal + "\""
    }

    /// `value` escaped to stand inside a JSON string (the notebook file's).
    static func jsonStringContents(_ value: String) -> String {
        // Encoding a String cannot fail.
        let encoded = (try? JSONEncoder().encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "\"\""
        return String(encoded.dropFirst().dropLast())
    }
}
