#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Wall-clock time as the wire and the database carry it: ISO 8601 in UTC with microseconds,
/// `2026-01-11T21:52:03.004211+00:00`, as Python's `datetime.isoformat()` writes it.
public struct Timestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Microseconds since the Unix epoch.
    public let microseconds: Int64

    public init(microseconds: Int64) { self.microseconds = microseconds }

    public init(secondsSince1970 seconds: Double) { microseconds = Int64((seconds * 1_000_000).rounded()) }

    /// The current wall-clock time.
    public static func now() -> Timestamp {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Timestamp(microseconds: Int64(spec.tv_sec) * 1_000_000 + Int64(spec.tv_nsec) / 1000)
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.microseconds < rhs.microseconds }

    public var secondsSince1970: Double { Double(microseconds) / 1_000_000 }

    public var description: String { iso8601 }

    /// Python's `datetime.isoformat()` for a UTC time, as PROTOCOL.md asks every stamp to be
    /// written: six fraction digits, or none at all when the fraction is zero.
    public var iso8601: String {
        var seconds = time_t(microseconds.floorDivided(by: 1_000_000))
        let fraction = Int(microseconds - Int64(seconds) * 1_000_000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return "\(pad(Int(parts.tm_year) + 1900, 4))-\(pad(Int(parts.tm_mon) + 1, 2))-\(pad(Int(parts.tm_mday), 2))T"
            + "\(pad(Int(parts.tm_hour), 2)):\(pad(Int(parts.tm_min), 2)):\(pad(Int(parts.tm_sec), 2))"
            + (fraction == 0 ? "" : ".\(pad(fraction, 6))") + "+00:00"
    }

    /// Parses `YYYY-MM-DD[T ]HH:MM:SS[.ffffff][Z|+00:00|±HH:MM]`, the forms Python and SQLite write.
    public init?(iso8601 text: String) {
        let bytes = Array(text.utf8)
        func number(_ start: Int, _ length: Int) -> Int? {
            guard start + length <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[start..<start + length] {
                guard byte >= 0x30, byte <= 0x39 else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            return value
        }
        guard bytes.count >= 19, bytes[4] == 0x2D, bytes[7] == 0x2D, bytes[10] == 0x54 || bytes[10] == 0x20,
              bytes[13] == 0x3A, bytes[16] == 0x3A,
              let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
              let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var cursor = 19
        var micros = 0
        if cursor < bytes.count, bytes[cursor] == 0x2E {
            cursor += 1
            var digits = 0
            while cursor < bytes.count, bytes[cursor] >= 0x30, bytes[cursor] <= 0x39 {
                if digits < 6 { micros = micros * 10 + Int(bytes[cursor] - 0x30) }
                digits += 1
                cursor += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<max(digits, 6) { micros *= 10 }
        }
        var offsetSeconds = 0
        if cursor < bytes.count {
            if bytes[cursor] == 0x5A, cursor + 1 == bytes.count {
                // Z
            } else if bytes[cursor] == 0x2B || bytes[cursor] == 0x2D, cursor + 6 == bytes.count,
                      let hours = number(cursor + 1, 2), bytes[cursor + 3] == 0x3A, let minutes = number(cursor + 4, 2) {
                offsetSeconds = (hours * 3600 + minutes * 60) * (bytes[cursor] == 0x2D ? -1 : 1)
            } else {
                return nil
            }
        }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = Int32(second)
        let epoch = Int64(timegm(&parts)) - Int64(offsetSeconds)
        microseconds = epoch * 1_000_000 + Int64(micros)
    }
}

private func pad(_ value: Int, _ width: Int) -> String {
    let digits = String(value)
    return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
}

extension Int64 {
    fileprivate func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
