import Foundation
import OutcomesDomain
import OutcomesTestSupport
import Testing

/// The grammar of the identifier extract's date of birth and SSN.
@Suite struct IdentifierValuesTests {
    @Test func eachFormOfADateOfBirthKeepsWhatIsKnown() throws {
        let whole = try PartialBirthDate("1990-05-01")
        #expect(whole.year == 1990 && whole.month == 5 && whole.date == LocalDate(year: 1990, month: 5, day: 1))
        let yearAndMonth = try PartialBirthDate("1985-07")
        #expect(yearAndMonth.year == 1985 && yearAndMonth.month == 7 && yearAndMonth.date == nil)
        let year = try PartialBirthDate("1880")
        #expect(year.year == 1880 && year.month == nil && year.date == nil)
        #expect(try PartialBirthDate("2100-12-31").date == LocalDate(year: 2100, month: 12, day: 31))
    }

    @Test(arguments: ["1990-02-30", "1990-13", "1990-00", "1990-05-00", "90-05-01", "1990/05/01", "1990-5", "1990-5-1",
                      "+990", "19900", "1990-05-01T00:00", "1990-05-01-", "05/01/1990", "1990 ", "١٩٩٠", "May 1990"])
    func anythingElseIsUnreadable(text: String) {
        #expect(throws: PartialBirthDate.Problem.unreadable) { try PartialBirthDate(text) }
    }

    @Test(arguments: [("1879", 1879), ("2101-01", 2101), ("0000-01-01", 0), ("1850-06-15", 1850)])
    func aYearOutside1880To2100IsOutOfRange(text: String, year: Int) {
        #expect(throws: PartialBirthDate.Problem.yearOutOfRange(year)) { try PartialBirthDate(text) }
    }

    @Test(arguments: [
        ("123456789", SocialSecurityNumber.full("123456789")), ("123-45-6789", .full("123456789")),
        ("XXX-XX-6789", .lastFour("6789")), ("xxx-xx-6789", .lastFour("6789")), ("***-**-6789", .lastFour("6789")),
        ("6789", .lastFour("6789")),
        // Never issued: area 000, 666, 900–999; group 00; serial 0000.
        ("000-12-3456", .placeholder), ("666123456", .placeholder), ("900-12-3456", .placeholder), ("999999999", .placeholder),
        ("123-00-4567", .placeholder), ("123-45-0000", .placeholder), ("XXX-XX-0000", .placeholder), ("0000", .placeholder),
        ("899-99-9999", .full("899999999")), ("665-01-0001", .full("665010001")),
    ])
    func eachFormOfAnSSN(text: String, ssn: SocialSecurityNumber) throws {
        #expect(try SocialSecurityNumber(text) == ssn)
    }

    @Test func anSSNStoresItsDigitsAndLastFour() throws {
        let full = try SocialSecurityNumber("123-45-6789")
        #expect(full.digits == "123456789" && full.lastFourDigits == "6789")
        let lastFour = try SocialSecurityNumber("XXX-XX-6789")
        #expect(lastFour.digits == nil && lastFour.lastFourDigits == "6789")
        let placeholder = try SocialSecurityNumber("000-00-0000")
        #expect(placeholder.digits == nil && placeholder.lastFourDigits == nil)
    }

    @Test(arguments: ["12345678", "1234567890", "123-456-789", "123 45 6789", "XXX-45-6789", "12X-XX-6789", "XXX-XX-678X",
                      "123-45-678", "ABC-DE-FGHI", "678", "67890", "123.45.6789", "１２３４５６７８９"])
    func otherShapesAreUnreadable(text: String) {
        #expect(throws: SocialSecurityNumber.Problem.unreadable) { try SocialSecurityNumber(text) }
    }

    /// An error shows where the text went wrong without repeating the number.
    @Test func theShapeOfAnSSNHidesItsDigits() {
        #expect(SocialSecurityNumber.shape(of: "123-45-678") == "NNN-NN-NNN")
        #expect(SocialSecurityNumber.shape(of: "XXX-45-6789") == "XXX-NN-NNNN")
        #expect(SocialSecurityNumber.shape(of: String(repeating: "1", count: 25)) == String(repeating: "N", count: 20) + "…")
    }

    /// #13: digits of any script are digits to hide (an SSN in Arabic-Indic digits was echoed), and
    /// a control character is not written to the terminal either.
    @Test(arguments: ["١٢٣٤٥٦٧٨٩", "۱۲۳-۴۵-۶۷۸۹", "१२३४५६७८९", "１２３４５６７８９", "১২৩৪৫৬৭৮৯", "①②③④⑤⑥⑦⑧⑨", "12\u{1B}[2J3456789"])
    func theShapeOfAnSSNHidesDigitsOfEveryScript(text: String) {
        let shape = SocialSecurityNumber.shape(of: text)
        #expect(!shape.unicodeScalars.contains { $0.properties.numericType != nil }, "\(shape)")
        #expect(!shape.unicodeScalars.contains { IdentifierText.refuses($0) }, "\(shape)")
        #expect(shape.hasPrefix("NN"))
        #expect(SocialSecurityNumber.shape(of: "١٢٣-٤٥-٦٧٨٩") == "NNN-NN-NNNN")
    }

    /// A mutated identifier extract reads, or fails with an ExtractError at a line of the file
    /// whose message repeats no SSN of it.
    @Test func mutatedIdentifierExtractsFailCleanly() throws {
        let original = """
            source_system,source_key,first_name,last_name,birth_date,ssn,sex
            JMS,J-1,Ana,Ruiz,1990-05-01,123-45-6789,F
            JMS,J-2,Bo,Lee,1985-07,XXX-XX-4321,
            UI,U-2,Cy,Park,1970,4321,M

            """
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("identifiers-\(UUID().uuidString).csv")
        defer { try? FileManager.default.removeItem(at: file) }
        var generator = SeededGenerator(seed: 23)
        var (read, refused) = (0, 0)
        for _ in 0..<500 {
            let text = Fuzz.mutate(original, &generator)
            try Data(text.utf8).write(to: file)
            do {
                var reader = try CSVReader(path: file.path)
                guard let header = try reader.next() else { continue }
                let positions = try ExtractLayout.identifiers.positions(header: header, file: file.path)
                var buffer = CopyTextBuffer()
                while let record = try reader.next() {
                    try ExtractLayout.identifiers.write(record, positions: positions, headerWidth: header.fields.count, file: file.path, into: &buffer)
                }
                read += 1
            } catch let error as ExtractError {
                refused += 1
                #expect(error.file == file.path && error.line >= 0)
                if case .notAnSSN = error.code {
                    #expect(!["123-45-6789", "123456789", "6789", "4321"].contains { error.message.contains($0) }, "\(error.message)")
                }
            }
        }
        #expect(read > 5 && refused > 100, "read \(read), refused \(refused)")
    }
}
