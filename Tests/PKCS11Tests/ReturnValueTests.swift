import PKCS11
import Testing

@Suite("Return values and errors")
struct ReturnValueTests {
    @Test("standard codes have their CKR_ name and raw value")
    func standardNames() {
        #expect(ReturnValue.pinIncorrect.name == "CKR_PIN_INCORRECT")
        #expect(ReturnValue.pinIncorrect.description == "CKR_PIN_INCORRECT (0xa0)")
        #expect(ReturnValue(rawValue: 0x60).name == "CKR_KEY_HANDLE_INVALID")
        #expect(ReturnValue(rawValue: 0xf0).name == "CKR_UNWRAPPING_KEY_HANDLE_INVALID")
        #expect(ReturnValue(rawValue: 0x200).name == "CKR_FUNCTION_REJECTED")
        #expect(ReturnValue.ok.isOK)
    }

    @Test("vendor-defined and unknown codes keep their raw value")
    func vendorAndUnknown() {
        #expect(ReturnValue(rawValue: 0x8000_0012).name == "CKR_VENDOR_DEFINED+0x12")
        #expect(ReturnValue(rawValue: 0x8000_0012).errorClass == .other)
        #expect(ReturnValue(rawValue: 0x1234).name == "CKR_0x1234")
        #expect(ReturnValue(rawValue: 0x1234).description == "CKR_0x1234 (0x1234)")
    }

    @Test(
        "codes map to the classes the pool relies on",
        arguments: [
            (ReturnValue.argumentsBad, PKCS11ErrorClass.badInput),
            (.encryptedDataInvalid, .badInput),
            (.mechanismParamInvalid, .badInput),
            (.templateIncomplete, .badInput),
            (.pinIncorrect, .badInput),
            (.keyFunctionNotPermitted, .badInput),
            (.keyHandleInvalid, .objectProblem),
            (.objectHandleInvalid, .objectProblem),
            (.sessionHandleInvalid, .sessionLost),
            (.sessionClosed, .sessionLost),
            (.userNotLoggedIn, .loginLost),
            (.deviceRemoved, .deviceLost),
            (.deviceError, .deviceLost),
            (.tokenNotPresent, .deviceLost),
            (.cryptokiNotInitialized, .deviceLost),
            (.generalError, .deviceLost),
            (.sessionCount, .resourceExhausted),
            (.deviceMemory, .resourceExhausted),
            (.hostMemory, .resourceExhausted),
            (.operationNotInitialized, .other),
            (.functionFailed, .other),
        ]
    )
    func classes(value: ReturnValue, expected: PKCS11ErrorClass) {
        #expect(value.errorClass == expected)
        #expect(PKCS11Error(.returnValue(value), function: "C_Encrypt").errorClass == expected)
    }

    @Test("every code from 0 to 0x200 with a name is named CKR_ and round-trips")
    func tableIsConsistent() {
        var named = 0
        for raw in UInt(0)...0x200 {
            let value = ReturnValue(rawValue: raw)
            #expect(value.name.hasPrefix("CKR_"))
            if !value.name.hasPrefix("CKR_0x") {
                named += 1
            }
        }
        // PKCS#11 v2.40 defines 94 codes below CKR_VENDOR_DEFINED.
        #expect(named == 94)
    }

    @Test("CKR_GENERAL_ERROR is bad input only from a decryption's data step")
    func generalErrorDuringDecryption() {
        #expect(PKCS11Error(.returnValue(.generalError), function: "C_Decrypt").errorClass == .badInput)
        #expect(PKCS11Error(.returnValue(.generalError), function: "C_DecryptFinal").errorClass == .badInput)
        #expect(PKCS11Error(.returnValue(.generalError), function: "C_DecryptInit").errorClass == .deviceLost)
        #expect(PKCS11Error(.returnValue(.generalError), function: "C_Encrypt").errorClass == .deviceLost)
        #expect(PKCS11Error(.returnValue(.generalError)).errorClass == .deviceLost)
    }

    @Test("descriptions name the function, the code and nothing else")
    func descriptions() {
        let login = PKCS11Error(.returnValue(.pinIncorrect), function: "C_Login")
        #expect(login.description == "C_Login failed: CKR_PIN_INCORRECT (0xa0)")
        #expect(login.returnValue == .pinIncorrect)

        let load = PKCS11Error(.loadFailed(reason: "no such file"), path: "/x.so")
        #expect(load.description == "cannot load PKCS#11 module at /x.so: no such file")
        #expect(load.returnValue == nil)

        let notFound = PKCS11Error(
            .tokenNotFound(
                selector: .label("foo"),
                present: [TokenInfo(slot: 1, label: "ssm", serialNumber: "abc"),
                          TokenInfo(slot: 2, label: "", serialNumber: "")]
            )
        )
        #expect(
            notFound.description
                == "no token matches label 'foo'; tokens present: slot 1 'ssm' (serial abc), slot 2 '' (serial )"
        )
        #expect(PKCS11Error(.functionNotSupported, function: "C_WrapKey").description
            == "C_WrapKey is not supported by the PKCS#11 module")
        #expect(PKCS11Error(.invalidArgument("bad IV")).errorClass == .badInput)
    }

    @Test("key IDs are 4 bytes big-endian")
    func keyIDBytes() {
        #expect(KeyID(0x0102_0304).bytes == [1, 2, 3, 4])
        #expect(KeyID(-1).bytes == [0xff, 0xff, 0xff, 0xff])
        #expect(KeyID(bytes: [0, 0, 1, 0]) == 256)
        #expect(KeyID(bytes: [0x80, 0, 0, 0])?.rawValue == Int32.min)
        #expect(KeyID(bytes: [1, 2, 3]) == nil)
        #expect(KeyID(bytes: [1, 2, 3, 4, 5]) == nil)
        #expect(KeyID(3) < KeyID(7))
        #expect(KeyID(42).description == "42")
    }
}
