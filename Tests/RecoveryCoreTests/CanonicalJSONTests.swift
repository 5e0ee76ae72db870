import OrdealSupport
import Testing

@Suite struct CanonicalJSONTests {
    @Test func objectKeysAreSortedAndNoWhitespaceIsWritten() throws {
        let value: JSONValue = ["zeta": 1, "alpha": ["b": true, "a": nil], "Mid": [1, 2]]
        #expect(try CanonicalJSON.string(value) == #"{"Mid":[1,2],"alpha":{"a":null,"b":true},"zeta":1}"#)
    }

    @Test func keysAreSortedByUnicodeScalarsNotByLocale() throws {
        let value: JSONValue = ["é": 1, "z": 2, "Z": 3, "a": 4]
        #expect(try CanonicalJSON.string(value) == #"{"Z":3,"a":4,"z":2,"é":1}"#)
    }

    @Test func slashesAreNeverEscaped() throws {
        #expect(try CanonicalJSON.string("a/b/../c") == #""a/b/../c""#)
    }

    @Test func controlCharactersAreEscaped() throws {
        let text = "q\"b\\n\nr\rt\tnul\u{0}bell\u{7}us\u{1F}"
        #expect(try CanonicalJSON.string(.string(text)) == #""q\"b\\n\nr\rt\tnul\u0000bell\u0007us\u001f""#)
    }

    @Test func nonASCIIIsWrittenAsRawUTF8() throws {
        let bytes = try CanonicalJSON.encode("héllo ✓ 🎉")
        #expect(bytes == Array("\"héllo ✓ 🎉\"".utf8))
    }

    @Test func integralDoublesAreWrittenAsIntegers() throws {
        #expect(try CanonicalJSON.string(.double(3.0)) == "3")
        #expect(try CanonicalJSON.string(.double(-0.5)) == "-0.5")
        #expect(try CanonicalJSON.string(.int(-42)) == "-42")
        #expect(try CanonicalJSON.string(.int(Int64.max)) == "9223372036854775807")
    }

    @Test func equalObjectsEncodeToEqualBytesWhateverTheirInsertionOrder() throws {
        let a: JSONValue = ["x": 1, "y": ["p": "q", "r": [1, "s"]]]
        let b: JSONValue = .object(["y": .object(["r": [1, "s"], "p": "q"]), "x": 1])
        #expect(try CanonicalJSON.encode(a) == CanonicalJSON.encode(b))
    }

    @Test func nonFiniteNumbersAreRejected() {
        #expect(throws: CanonicalJSON.NonFiniteNumber.self) { try CanonicalJSON.encode(["x": .double(.nan)]) }
        #expect(throws: CanonicalJSON.NonFiniteNumber.self) { try CanonicalJSON.encode([.double(.infinity)]) }
    }

    @Test func encodedValuesRoundTripThroughTheParser() throws {
        let value: JSONValue = [
            "name": "a/b \"quoted\" \u{1}\n✓ 𝄞", "n": -17, "big": .int(Int64.min), "pi": 3.25, "tiny": 1.5e-7,
            "huge": 1.0e300, "flags": [true, false, nil], "nested": ["empty": [:], "list": []],
        ]
        let text = try CanonicalJSON.string(value)
        let parsed = try JSONParser.parse(text)
        #expect(parsed == value)
        #expect(try CanonicalJSON.string(parsed) == text)
    }

    @Test func parserReadsEscapesAndSurrogatePairs() throws {
        let parsed = try JSONParser.parse(#" { "s" : "\/\b\f\u00e9\ud834\udd1e" , "n" : [ 1 , -2.5e1 ] } "#)
        #expect(parsed == ["s": "/\u{8}\u{C}é𝄞", "n": [1, -25.0]])
    }

    @Test func parserKeepsIntegersAndDoublesApart() throws {
        #expect(try JSONParser.parse("12") == .int(12))
        #expect(try JSONParser.parse("12.5") == .double(12.5))
        #expect(try JSONParser.parse("1e2") == .double(100))
        #expect(try JSONParser.parse("99999999999999999999") == .double(1e20))
    }

    @Test(arguments: [
        ("[1,]", 3), ("{\"a\" 1}", 5), ("[1] x", 4), ("", 0), ("{\"a\":1,}", 7), ("tru", 0),
        ("\"abc", 4), ("[\"\\q\"]", 4), ("{1:2}", 1), ("1e999", 0), ("[1 2]", 3), ("\"\\ud800x\"", 7),
    ])
    func parserErrorsCarryTheByteOffset(text: String, offset: Int) {
        let error = #expect(throws: JSONParser.SyntaxError.self) { try JSONParser.parse(text) }
        #expect(error?.offset == offset)
        #expect(error?.description.hasPrefix("invalid JSON at byte \(offset): ") == true)
    }

    @Test func parserRejectsRawControlCharactersInStrings() {
        let error = #expect(throws: JSONParser.SyntaxError.self) { try JSONParser.parse("\"a\u{1}b\"") }
        #expect(error?.offset == 2)
        #expect(error?.reason == "control character in string")
    }

    @Test func parserRejectsNestingDeeperThan512Levels() throws {
        let deep = String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
        let error = #expect(throws: JSONParser.SyntaxError.self) { try JSONParser.parse(deep) }
        #expect(error?.reason.contains("512") == true)
        let fine = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        _ = try JSONParser.parse(fine)
    }

    /// RFC 8259 forbids leading zeros and a fraction without digits; the parser calls itself strict.
    @Test(arguments: [
        "01", "-01", "1.", "1.e5", "00", "-", "+1", ".5", "1e", "1e+", "1E-", "-.5", "1.5.2", "1e5e5", "1-2",
        "1+2", "0x10", "[01]", "{\"a\":1.}", "-e5", "Infinity", "NaN",
    ])
    func parserRejectsNumbersRFC8259Forbids(text: String) {
        #expect(throws: JSONParser.SyntaxError.self) { try JSONParser.parse(text) }
    }

    @Test(arguments: [
        ("0", JSONValue.int(0)), ("-0", .int(0)), ("0.5", .double(0.5)), ("-0.5", .double(-0.5)), ("10", .int(10)),
        ("1e5", .double(1e5)), ("1E+5", .double(1e5)), ("2e-3", .double(2e-3)), ("0e0", .double(0)),
        ("-1.25E+2", .double(-125)), ("0.000", .double(0)), ("[0,-0,1.0e1]", .array([.int(0), .int(0), .double(10)])),
    ])
    func parserAcceptsEveryNumberRFC8259Allows(text: String, expected: JSONValue) throws {
        #expect(try JSONParser.parse(text) == expected)
    }

    /// What Foundation's JSONSerialization would accept and this parser must not (see the
    /// opening comment of JSONParser.swift): trailing commas, a byte order mark, UTF-16.
    @Test(arguments: [
        ([UInt8]("[1,2,]".utf8), 5), (Array("{\"a\":{},}".utf8), 8), ([0xEF, 0xBB, 0xBF] + Array("1".utf8), 0),
        ([0x5B, 0x00, 0x31, 0x00, 0x5D, 0x00], 1), ([0xFF, 0xFE, 0x31, 0x00], 0),
    ])
    func parserReadsOnlyStrictUTF8JSON(bytes: [UInt8], offset: Int) {
        let error = #expect(throws: JSONParser.SyntaxError.self) { try JSONParser.parse(bytes) }
        #expect(error?.offset == offset)
    }

    /// Integers of 64 bits stay exact, and doubles of 17 digits are correctly rounded (where
    /// Foundation hands out NSDecimalNumbers).
    @Test func parserKeepsInt64ExactAndRoundsDoublesCorrectly() throws {
        #expect(try JSONParser.parse("-9223372036854775808") == .int(Int64.min))
        #expect(try JSONParser.parse("-9223372036854775807") == .int(Int64.min + 1))
        #expect(try JSONParser.parse("9223372036854775807") == .int(Int64.max))
        #expect(try JSONParser.parse("18446744073709551615") == .double(18446744073709551615.0))
        #expect(try JSONParser.parse("0.30000000000000004") == .double(0.1 + 0.2))
        #expect(try JSONParser.parse("[1.0, 1]") == [.double(1), .int(1)])
        #expect(try JSONParser.parse(#"{"a":1,"a":2}"#) == ["a": 2])
    }

    @Test func digestIsLowerCaseHexSHA256() {
        #expect(Digest.sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Digest.sha256Hex([UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        var hasher = Digest.Hasher()
        hasher.update(Array("a".utf8))
        hasher.update(Array("bc".utf8))
        #expect(hasher.finalizeHex() == Digest.sha256Hex("abc"))
    }

    @Test func sha256HexRecognisesOnlyLowerCase64Digits() {
        #expect(Digest.isSHA256Hex(Digest.sha256Hex("x")))
        #expect(!Digest.isSHA256Hex(Digest.sha256Hex("x").uppercased()))
        #expect(!Digest.isSHA256Hex(String(Digest.sha256Hex("x").dropLast())))
        #expect(!Digest.isSHA256Hex(String(repeating: "g", count: 64)))
    }
}
