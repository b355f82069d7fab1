#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Overwrites `bytes` with zeros in a way the optimiser does not remove.
func secureZero(_ bytes: UnsafeMutableRawBufferPointer) {
    guard let base = bytes.baseAddress, bytes.count > 0 else {
        return
    }
    #if canImport(Darwin)
    _ = memset_s(base, bytes.count, 0, bytes.count)
    #else
    explicit_bzero(base, bytes.count)
    #endif
}

/// Zeroes an array's storage in place (its own buffer; copies elsewhere are not reached).
func secureZero(_ array: inout [UInt8]) {
    array.withUnsafeMutableBufferPointer { secureZero(UnsafeMutableRawBufferPointer($0)) }
}

extension Array where Element == UInt8 {
    /// Overwrites the bytes with zeros in place (plaintext, key values, PINs) before the
    /// buffer is released. Copies made elsewhere are not affected: Swift cannot promise more.
    public mutating func zeroize() {
        secureZero(&self)
    }
}
