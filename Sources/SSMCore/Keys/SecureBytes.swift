#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Array where Element == UInt8 {
    /// Overwrites the bytes with zeros in place (plaintext, key values, PINs) before the
    /// buffer is released. Copies made elsewhere are not affected: Swift cannot promise more.
    public mutating func zeroize() {
        withUnsafeMutableBytes { buffer in
            guard let base = buffer.baseAddress else { return }
            #if canImport(Glibc)
            explicit_bzero(base, buffer.count)
            #else
            memset_s(base, buffer.count, 0, buffer.count)
            #endif
        }
    }
}
