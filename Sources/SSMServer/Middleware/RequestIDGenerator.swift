import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// New request ids: random (version 4) UUIDs in lower case, `xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx`.
///
/// The random bits come from the system CSPRNG like `UUID()`'s, but fetched 4 KiB at a time
/// rather than with one system call per request (a visible share of a request's time),
/// and the text is formatted directly in lower case.
enum RequestIDGenerator {
    private static let pool = Mutex(RandomPool())

    /// A new random UUID, lower case.
    static func next() -> String {
        var bytes = pool.withLock { $0.take16() }
        bytes.6 = bytes.6 & 0x0f | 0x40  // version 4
        bytes.8 = bytes.8 & 0x3f | 0x80  // RFC 4122 variant
        return withUnsafeBytes(of: bytes) { raw in
            String(unsafeUninitializedCapacity: 36) { output in
                var index = 0
                for (position, byte) in raw.enumerated() {
                    if position == 4 || position == 6 || position == 8 || position == 10 {
                        output[index] = UInt8(ascii: "-")
                        index += 1
                    }
                    output[index] = Hex.digit(byte >> 4)
                    output[index + 1] = Hex.digit(byte & 0x0f)
                    index += 2
                }
                return index
            }
        }
    }

    /// Random bytes from the system generator, refilled 4 KiB at a time; bytes handed out are
    /// overwritten with zeros.
    private struct RandomPool {
        private var buffer = [UInt8](repeating: 0, count: 4096)
        private var offset = 4096
        private var descriptor: Int32 = -1

        mutating func take16() -> (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) {
            if offset + 16 > buffer.count { refill() }
            defer { offset += 16 }
            return buffer.withUnsafeMutableBufferPointer { bytes in
                let slice = UnsafeMutableBufferPointer(rebasing: bytes[offset..<(offset + 16)])
                defer { slice.update(repeating: 0) }
                return (
                    slice[0], slice[1], slice[2], slice[3], slice[4], slice[5], slice[6], slice[7],
                    slice[8], slice[9], slice[10], slice[11], slice[12], slice[13], slice[14], slice[15]
                )
            }
        }

        /// Fills the buffer with one read of `/dev/urandom` (the kernel's CSPRNG, kept open);
        /// the standard library's generator fills whatever a failed or short read leaves.
        private mutating func refill() {
            if descriptor < 0 { descriptor = open("/dev/urandom", O_RDONLY | O_CLOEXEC) }
            let source = descriptor
            buffer.withUnsafeMutableBytes { raw in
                var filled = 0
                if source >= 0, let base = raw.baseAddress {
                    while filled < raw.count {
                        let count = read(source, base + filled, raw.count - filled)
                        guard count > 0 else { break }
                        filled += count
                    }
                }
                var generator = SystemRandomNumberGenerator()
                while filled < raw.count {
                    raw[filled] = UInt8.random(in: .min ... .max, using: &generator)
                    filled += 1
                }
            }
            offset = 0
        }
    }
}
