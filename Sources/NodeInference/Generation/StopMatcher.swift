/// Watches generated text for stop strings across token boundaries. Text is released only
/// once it can no longer become the start of a stop string, so a stream never shows a stop
/// string or its beginning.
package struct StopMatcher: Sendable {
    let stops: [String]
    private var held = ""

    package init(stops: [String]) {
        self.stops = stops.filter { !$0.isEmpty }
    }

    package enum Result: Equatable, Sendable {
        /// Text safe to release now (possibly empty).
        case text(String)
        /// A stop string appeared: release this text (before the stop) and end.
        case stopped(String)
    }

    package mutating func append(_ text: String) -> Result {
        guard !stops.isEmpty else { return .text(text) }
        held += text
        // The earliest stop occurrence wins.
        var earliest: Range<String.Index>?
        for stop in stops {
            if let range = held.range(of: stop), range.lowerBound < (earliest?.lowerBound ?? held.endIndex) { earliest = range }
        }
        if let earliest {
            let before = String(held[..<earliest.lowerBound])
            held = ""
            return .stopped(before)
        }
        // Hold back the longest suffix that is a prefix of some stop string.
        var keep = 0
        for stop in stops {
            var length = min(stop.count, held.count)
            while length > keep {
                if held.hasSuffix(stop.prefix(length)) {
                    keep = length
                    break
                }
                length -= 1
            }
        }
        let releaseEnd = held.index(held.endIndex, offsetBy: -keep)
        let released = String(held[..<releaseEnd])
        held = String(held[releaseEnd...])
        return .text(released)
    }

    /// What is still held when generation ends for another reason.
    package mutating func flush() -> String {
        defer { held = "" }
        return held
    }
}
