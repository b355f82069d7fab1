import CPKCS11

/// A data object (`CKO_DATA`) as read back from the token.
public struct DataObject: Sendable, Hashable {
    /// The object's handle.
    public let handle: ObjectHandle
    /// `CKA_LABEL`.
    public let label: String
    /// `CKA_VALUE`.
    public let value: [UInt8]
}

extension Session {
    /// SoftHSM keeps a data object's `CKA_VALUE` read-only once created: to change a value,
    /// create a new object and destroy the old one.
    ///
    /// `C_CreateObject` for a token data object (`CKO_DATA`): private (readable only when
    /// logged in), with `CKA_APPLICATION`, `CKA_LABEL` and `CKA_VALUE`.
    public func createDataObject(application: String, label: String, value: [UInt8]) throws(PKCS11Error) -> ObjectHandle {
        var template = AttributeTemplate()
        template.append(CKA_CLASS, .ulong(UInt(CKO_DATA)))
        template.append(CKA_TOKEN, .bool(true))
        template.append(CKA_PRIVATE, .bool(true))
        template.append(CKA_APPLICATION, application)
        template.append(CKA_LABEL, label)
        template.append(CKA_VALUE, .bytes(value))
        var object: CK_OBJECT_HANDLE = 0
        try handle.module.serializingObjectStore { () throws(PKCS11Error) in
            try template.withUnsafeAttributes { (attributes, count) throws(PKCS11Error) in
                try call("C_CreateObject", \.C_CreateObject) { $0($1, attributes, count, &object) }
            }
        }
        return ObjectHandle(rawValue: UInt(object))
    }

    /// The data objects of `application` (with `label` when given).
    public func findDataObjects(application: String, label: String? = nil) throws(PKCS11Error) -> [ObjectHandle] {
        var template = AttributeTemplate()
        template.append(CKA_CLASS, .ulong(UInt(CKO_DATA)))
        template.append(CKA_APPLICATION, application)
        if let label {
            template.append(CKA_LABEL, label)
        }
        return try findObjects(template)
    }

    /// Reads a data object's label and value.
    public func dataObject(_ object: ObjectHandle) throws(PKCS11Error) -> DataObject {
        let values = try attributeValues(of: object, [CK_ATTRIBUTE_TYPE(CKA_LABEL), CK_ATTRIBUTE_TYPE(CKA_VALUE)])
        return DataObject(
            handle: object,
            label: values[CK_ATTRIBUTE_TYPE(CKA_LABEL)].map { String(decoding: $0, as: UTF8.self) } ?? "",
            value: values[CK_ATTRIBUTE_TYPE(CKA_VALUE)] ?? []
        )
    }
}
