import Foundation
import Synchronization

/// Random bytes from the kernel's CSPRNG, fetched 4 KiB at a time.
///
/// IVs and request ids need a few bytes per request; `SystemRandomNumberGenerator` makes one
/// `getrandom` system call per eight bytes, a visible share of a request's time. This reads
/// `/dev/urandom` (kept open) once per 4 KiB instead — the same source — and hands the bytes
/// out once each, overwriting them with zeros as they go. If the device cannot be read, the
/// standard library's generator fills the buffer.
public enum RandomBytes {
    private static let buffer = Mutex(Buffer())

    /// `count` fresh random bytes (at most 4,096).
    public static func next(_ count: Int) -> [UInt8] {
        precondition((0...Buffer.capacity).contains(count), "at most \(Buffer.capacity) random bytes at a time")
        return buffer.withLock { $0.take(count) }
    }

    /// `count` arrays of `length` fresh random bytes each, taken a buffer at a time (one lock per
    /// 4,096 bytes rather than one per array).
    public static func chunks(count: Int, length: Int) -> [[UInt8]] {
        precondition((1...Buffer.capacity).contains(length), "at most \(Buffer.capacity) random bytes at a time")
        let perDraw = Buffer.capacity / length
        var result: [[UInt8]] = []
        result.reserveCapacity(count)
        while result.count < count {
            let n = min(perDraw, count - result.count)
            var bytes = next(n * length)
            defer { bytes.zeroize() }
            for i in 0..<n { result.append(Array(bytes[(i * length)..<((i + 1) * length)])) }
        }
        return result
    }

    private struct Buffer {
        static let capacity = 4096
        private var bytes = [UInt8](repeating: 0, count: capacity)
        private var offset = capacity
        private var device: FileHandle?

        mutating func take(_ count: Int) -> [UInt8] {
            if offset + count > Self.capacity { refill() }
            let range = offset..<(offset + count)
            defer {
                bytes.replaceSubrange(range, with: repeatElement(0, count: count))
                offset += count
            }
            return Array(bytes[range])
        }

        private mutating func refill() {
            if device == nil { device = FileHandle(forReadingAtPath: "/dev/urandom") }
            var filled = 0
            if let data = try? device?.read(upToCount: Self.capacity) {
                filled = min(data.count, Self.capacity)
                bytes.replaceSubrange(0..<filled, with: data.prefix(filled))
            }
            var generator = SystemRandomNumberGenerator()
            while filled < Self.capacity {
                bytes[filled] = UInt8.random(in: .min ... .max, using: &generator)
                filled += 1
            }
            offset = 0
        }
    }
}
