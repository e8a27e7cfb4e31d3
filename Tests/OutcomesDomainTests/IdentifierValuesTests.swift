import OutcomesDomain
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
}
