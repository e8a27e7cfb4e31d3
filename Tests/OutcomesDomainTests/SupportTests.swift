import Testing
@testable import OutcomesDomain

@Suite struct LocalDateTests {
    @Test func knownDaysSinceEpoch() {
        #expect(LocalDate(year: 1970, month: 1, day: 1)!.daysSinceEpoch == 0)
        #expect(LocalDate(year: 2000, month: 3, day: 1)!.daysSinceEpoch == 11_017)
        #expect(LocalDate(year: 2024, month: 2, day: 29)!.daysSinceEpoch == 19_782)
        #expect(LocalDate(year: 1969, month: 12, day: 31)!.daysSinceEpoch == -1)
    }

    @Test func rejectsDaysThatDoNotExist() {
        #expect(LocalDate(year: 2023, month: 2, day: 29) == nil)
        #expect(LocalDate(year: 1900, month: 2, day: 29) == nil)  // not a leap year
        #expect(LocalDate(year: 2000, month: 2, day: 29) != nil)  // a leap year
        #expect(LocalDate(year: 2024, month: 13, day: 1) == nil)
        #expect(LocalDate(iso: "2024-04-31") == nil)
        #expect(LocalDate(iso: "2024-4-30") == nil)
    }

    @Test func roundTripsEveryDayOfFourCenturies() {
        var date = LocalDate(year: 1900, month: 1, day: 1)!
        let end = LocalDate(year: 2300, month: 1, day: 1)!
        while date < end {
            let (year, month, day) = date.components
            #expect(LocalDate(year: year, month: month, day: day) == date)
            #expect(LocalDate(iso: date.description) == date)
            date = date.adding(days: 1)
        }
    }

    @Test func quarters() {
        let date = LocalDate(iso: "2024-08-15")!
        #expect(date.quarterStart == LocalDate(iso: "2024-07-01"))
        #expect(date.quarterStart(after: 2) == LocalDate(iso: "2025-01-01"))
        #expect(date.quarterStart(after: -3) == LocalDate(iso: "2023-10-01"))
    }
}

@Suite struct SHA256Tests {
    // FIPS 180-4 examples and a million 'a's (NIST test vector).
    @Test func knownVectors() {
        #expect(SHA256.hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            SHA256.hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        var million = SHA256()
        let chunk = [UInt8](repeating: 0x61, count: 1000)
        for _ in 0..<1000 { million.update(chunk) }
        #expect(million.hexDigest() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func incrementalEqualsOneShotAtEveryBoundary() {
        let text = String(repeating: "outcomes-ledger ", count: 20)
        let bytes = Array(text.utf8)
        for split in [0, 1, 55, 56, 63, 64, 65, 127, 128, bytes.count] {
            var hasher = SHA256()
            hasher.update(Array(bytes[..<split]))
            hasher.update(Array(bytes[split...]))
            #expect(hasher.hexDigest() == SHA256.hex(text))
        }
    }
}

@Suite struct CopyTextBufferTests {
    @Test func escapesAndNulls() {
        var buffer = CopyTextBuffer()
        buffer.int(-42)
        buffer.text("tab\there\nline\\slash\r")
        buffer.null()
        buffer.date(LocalDate(iso: "2024-02-29"))
        buffer.cents(-12_345)
        buffer.cents(7)
        buffer.tenThousandths(9_731)
        buffer.bool(true)
        buffer.endRow()
        #expect(String(decoding: buffer.bytes, as: UTF8.self)
            == "-42\ttab\\there\\nline\\\\slash\\r\t\\N\t2024-02-29\t-123.45\t0.07\t0.9731\tt\n")
    }

    /// Text is escaped as COPY reads it, whatever it holds: checked against a byte-by-byte oracle
    /// on random text of escapes, plain runs and multi-byte characters, escapes first, last and twice.
    @Test func textMatchesAByteByByteOracle() {
        func oracle(_ text: String) -> [UInt8] {
            text.utf8.flatMap { byte -> [UInt8] in
                switch byte {
                case 0x5C: [0x5C, 0x5C]
                case 0x09: [0x5C, 0x74]
                case 0x0A: [0x5C, 0x6E]
                case 0x0D: [0x5C, 0x72]
                default: [byte]
                }
            }
        }
        let pieces = ["\\", "\t", "\n", "\r", "a", "plain text ", "{\"kind\":\"cap\"}", "é", "☃", "𝄞", "\\\\", "\r\n", String(repeating: "x", count: 300)]
        var generator = SeededGenerator(seed: 26)
        var texts = ["", "\\", "\t\t", "no escapes at all", String(repeating: "long ", count: 2_000)]
        for _ in 0..<500 {
            texts.append((0..<Int.random(in: 0...12, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined())
        }
        for text in texts {
            var buffer = CopyTextBuffer()
            buffer.int(1)
            buffer.text(text)
            buffer.endRow()
            #expect(buffer.bytes == Array("1\t".utf8) + oracle(text) + [0x0A], "\(text.debugDescription)")
        }
    }
}

@Suite struct SeededGeneratorTests {
    @Test func sameSeedSameStreamDifferentSeedDifferent() {
        var a = SeededGenerator(seed: 42, stream: 7)
        var b = SeededGenerator(seed: 42, stream: 7)
        var c = SeededGenerator(seed: 43, stream: 7)
        var d = SeededGenerator(seed: 42, stream: 8)
        let first = (0..<8).map { _ in a.next() }
        #expect(first == (0..<8).map { _ in b.next() })
        #expect(first != (0..<8).map { _ in c.next() })
        #expect(first != (0..<8).map { _ in d.next() })
    }

    @Test func distributionsHaveTheirMoments() {
        var rng = SeededGenerator(seed: 1)
        let n = 200_000
        let uniforms = (0..<n).map { _ in rng.uniform() }
        #expect(abs(uniforms.reduce(0, +) / Double(n) - 0.5) < 0.005)
        let normals = (0..<n).map { _ in rng.normal() }
        let mean = normals.reduce(0, +) / Double(n)
        let variance = normals.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n - 1)
        #expect(abs(mean) < 0.01)
        #expect(abs(variance - 1) < 0.02)
        let exponentials = (0..<n).map { _ in rng.exponential(mean: 3) }
        #expect(abs(exponentials.reduce(0, +) / Double(n) - 3) < 0.05)
    }
}

@Suite struct SmallCellPolicyTests {
    @Test func suppressesOneToThresholdMinusOneButNotZero() {
        let policy = SmallCellPolicy(threshold: 11)
        #expect(!policy.suppresses(0))
        #expect(policy.suppresses(1))
        #expect(policy.suppresses(10))
        #expect(!policy.suppresses(11))
        #expect(policy.marker == "<11")
        #expect(!SmallCellPolicy.none.suppresses(1))
    }
}

@Suite struct ComplementarySuppressionTests {
    let policy = SmallCellPolicy(threshold: 11)

    @Test func aLoneSmallPartTakesTheNextSmallestWithIt() {
        #expect(policy.suppressedParts(of: [120, 7, 45]) == [false, true, true])
        #expect(policy.suppressedParts(of: [3, 200]) == [true, true])
    }

    @Test func twoSmallPartsOrNoneNeedNoComplement() {
        #expect(policy.suppressedParts(of: [120, 7, 5]) == [false, true, true])
        #expect(policy.suppressedParts(of: [120, 40, 0]) == [false, false, false])
        // Zero is shown and cannot serve as the complement.
        #expect(policy.suppressedParts(of: [0, 4, 30]) == [false, true, true])
    }
}
