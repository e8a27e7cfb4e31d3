extension ExtractError {
    /// The kinds of problem an extract file has. The column, when there is one, is the error's `column`.
    public enum Code: Sendable, Equatable {
        // The text of the file.
        case notUTF8
        /// A NUL character: a sign of a binary file.
        case nulCharacter
        case fieldTooLong
        case textAfterClosingQuote
        case unclosedQuote
        /// No header at all.
        case emptyFile

        // The header.
        case unknownColumn
        case repeatedColumn
        case missingColumn
        /// A content file (enrollments, events) names its person both ways: `person_id` and the
        /// source record's key.
        case personAndSourceKey
        /// A content file names its person neither way.
        case noPersonColumn

        // A row.
        case fieldCount(found: Int, expected: Int)
        case missingValue
        /// A whole or decimal number the grammar does not read (`NumberLiteral`): its text and why.
        case unreadNumber(text: String, problem: NumberLiteral.Problem)
        /// More digits before or after the point than the column holds.
        case tooManyDigits(whole: Int, fraction: Int)
        case notADate(String)
        /// A date outside the dates input files may hold.
        case dateOutOfRange(LocalDate)
        /// A value outside the column's codes.
        case unknownCode(String, allowed: [String])
        /// The end of a span (an enrollment, say) before its start.
        case endsBeforeStart
        /// A date of birth in none of the forms `YYYY-MM-DD`, `YYYY-MM`, `YYYY`, or a month or day
        /// that does not exist.
        case notAPartialDate(String)
        /// A date of birth whose year is outside 1880–2100.
        case birthYearOutOfRange(Int)
        /// An SSN in none of the forms; the shape of the text (digits written N), never its digits.
        case notAnSSN(shape: String)
        /// Identifier text or a source key longer than its limit (`IdentifierText`), in code points:
        /// the value's length and the limit; never the value.
        case valueTooLong(length: Int, maximum: Int)
        /// Identifier text or a source key holding a character `IdentifierText.refuses` (a control
        /// character, a line separator, a bidirectional override): which one, never the value.
        case controlCharacter(Unicode.Scalar)
        /// A source key or source system beginning with a character a spreadsheet reads as the start
        /// of a formula, or with `'` (`IdentifierText.refusedKeyStarts`): that character.
        case formulaStart(Character)

        // Across rows and files (checked once the extract is staged).
        /// The row's key is the key of an earlier row.
        case duplicateKey
        /// A value (shown) that names no row of the file or table it refers to.
        case unknownReference(String)
        /// An enrollment's provider does not deliver the enrollment's program.
        case providerNotInProgram
        /// A value outside the range its column takes (a birth year, a match score).
        case outOfRange
        /// A content row's source record (`source_system/source_key`, shown) that no source link
        /// holds: the identifier extract is not linked yet, or the key is wrong.
        case unlinkedSourceKey(String)
        /// A content row's source record that links to more than one person (the key and the count).
        case ambiguousSourceKey(String, persons: Int)
        /// An edge from a person to the same person (after the source records are resolved).
        case ownRelative
        /// Parenthood edges that make a person their own ancestor: the persons of the cycle, in order.
        case parenthoodCycle([Int])
        /// Edges giving a load's persons more generations of ancestors than the check walks.
        case ancestryTooDeep(generations: Int)
    }
}
