import CPKCS11

extension Session {
    /// Single-part encryption: `C_EncryptInit` + `C_Encrypt` (a size query, then the call;
    /// retried once on `CKR_BUFFER_TOO_SMALL`). AES-GCM returns ciphertext ‖ tag.
    public func encrypt(_ mechanism: Mechanism, key: ObjectHandle, data: [UInt8]) throws(PKCS11Error) -> [UInt8] {
        try mechanism.validate(inputLength: data.count)
        return try mechanism.withUnsafeMechanism { (mechanism) throws(PKCS11Error) in
            try call("C_EncryptInit", \.C_EncryptInit) { $0($1, mechanism, CK_OBJECT_HANDLE(key.rawValue)) }
            return try singlePart("C_Encrypt", \.C_Encrypt, input: data)
        }
    }

    /// Single-part decryption: `C_DecryptInit` + `C_Decrypt` (a size query, then the call;
    /// retried once on `CKR_BUFFER_TOO_SMALL`). AES-GCM expects ciphertext ‖ tag; a wrong tag
    /// fails with a ``PKCS11ErrorClass/badInput`` error.
    public func decrypt(_ mechanism: Mechanism, key: ObjectHandle, data: [UInt8]) throws(PKCS11Error) -> [UInt8] {
        try mechanism.validate(inputLength: data.count)
        return try mechanism.withUnsafeMechanism { (mechanism) throws(PKCS11Error) in
            try call("C_DecryptInit", \.C_DecryptInit) { $0($1, mechanism, CK_OBJECT_HANDLE(key.rawValue)) }
            return try singlePart("C_Decrypt", \.C_Decrypt, input: data)
        }
    }

    /// `C_GenerateRandom`: `count` random bytes from the token.
    public func generateRandom(count: Int) throws(PKCS11Error) -> [UInt8] {
        guard count >= 0 else {
            throw PKCS11Error.invalidArgument("cannot generate \(count) random bytes")
        }
        guard count > 0 else {
            return []
        }
        var bytes = [UInt8](repeating: 0, count: count)
        _ = try bytes.withUnsafeMutableBufferPointer { (buffer) throws(PKCS11Error) in
            try call("C_GenerateRandom", \.C_GenerateRandom) { $0($1, buffer.baseAddress, CK_ULONG(buffer.count)) }
        }
        return bytes
    }

    /// Runs a single-part `C_Encrypt`/`C_Decrypt`/`C_Sign` after its `Init`: asks for the output length
    /// (NULL output), then calls with a buffer of that length, once more if the module still
    /// answers `CKR_BUFFER_TOO_SMALL`. Buffers that are discarded or trimmed are zeroed.
    func singlePart(
        _ name: String,
        _ function: KeyPath<CK_FUNCTION_LIST, CK_C_Encrypt?>,
        input: [UInt8]
    ) throws(PKCS11Error) -> [UInt8] {
        try withCBytes(input) { (input, inputLength) throws(PKCS11Error) -> [UInt8] in
            var length: CK_ULONG = 0
            try call(name, function) { $0($1, input, inputLength, nil, &length) }
            // No mechanism here grows data by more than a block and a tag: a larger answer
            // (CK_UNAVAILABLE_INFORMATION, say) is a module fault, not a buffer to allocate.
            let limit = inputLength + 1024
            guard length <= limit else { throw PKCS11Error.returnValue(.generalError, function: name) }
            var attempts = 0
            while true {
                attempts += 1
                // Never pass a NULL output here: that would be another size query and leave
                // the operation active.
                var output = [UInt8](repeating: 0, count: max(Int(length), 1))
                length = CK_ULONG(output.count)
                let result: ReturnValue
                do throws(PKCS11Error) {
                    result = try output.withUnsafeMutableBufferPointer { (buffer) throws(PKCS11Error) in
                        try call(name, function, accepting: attempts == 1 ? [.bufferTooSmall] : []) {
                            $0($1, input, inputLength, buffer.baseAddress, &length)
                        }
                    }
                } catch {
                    secureZero(&output)
                    throw error
                }
                if result == .bufferTooSmall {
                    secureZero(&output)
                    guard length <= limit else { throw PKCS11Error.returnValue(.generalError, function: name) }
                    continue
                }
                let produced = Int(clamping: min(length, CK_ULONG(output.count)))
                output.withUnsafeMutableBufferPointer { buffer in
                    secureZero(UnsafeMutableRawBufferPointer(UnsafeMutableBufferPointer(rebasing: buffer[produced...])))
                }
                output.removeLast(output.count - produced)
                return output
            }
        }
    }
}
