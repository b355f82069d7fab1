import CPKCS11

/// A module's `CK_FUNCTION_LIST`, and the one helper every `C_*` call goes through.
///
/// `@unchecked Sendable`: the pointer refers to the module's own function table, which is
/// immutable and stays valid while the library is mapped (this layer never `dlclose`s an
/// initialised module). The functions are safe to call from any thread because the module
/// is initialised with `CKF_OS_LOCKING_OK`.
struct FunctionList: @unchecked Sendable {
    /// The module's function table.
    let table: UnsafePointer<CK_FUNCTION_LIST>

    /// Calls the function at `function` in the table. See ``invoke(_:_:accepting:_:)``.
    @discardableResult
    func call<Function>(
        _ name: String,
        _ function: KeyPath<CK_FUNCTION_LIST, Function?>,
        accepting accepted: [ReturnValue] = [],
        _ body: (Function) -> CK_RV
    ) throws(PKCS11Error) -> ReturnValue {
        try Self.invoke(name, table.pointee[keyPath: function], accepting: accepted, body)
    }

    /// The one place a `C_*` function is called.
    ///
    /// A nil function pointer throws ``PKCS11Error/Kind/functionNotSupported``; a return value
    /// other than `CKR_OK` and those in `accepted` throws ``PKCS11Error/Kind/returnValue(_:)``
    /// naming `name`. Returns the return value (`CKR_OK` or one of `accepted`).
    @discardableResult
    static func invoke<Function>(
        _ name: String,
        _ function: Function?,
        accepting accepted: [ReturnValue] = [],
        _ body: (Function) -> CK_RV
    ) throws(PKCS11Error) -> ReturnValue {
        guard let function else {
            throw PKCS11Error(.functionNotSupported, function: name)
        }
        let value = ReturnValue(rawValue: UInt(body(function)))
        guard value.isOK || accepted.contains(value) else {
            throw PKCS11Error.returnValue(value, function: name)
        }
        return value
    }
}
