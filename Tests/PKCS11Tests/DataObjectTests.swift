import PKCS11
import SoftHSMTestSupport
import Testing

@Suite("Data objects")
struct DataObjectTests {
    @Test("a data object is created, found by application and label, read and destroyed")
    func lifecycle() throws {
        let application = uniqueLabel("app")
        let label = uniqueLabel("data")
        try SoftHSMToken.shared().withLoggedInSession { session in
            let object = try session.createDataObject(application: application, label: label, value: Array("one".utf8))
            defer { try? session.destroyObject(object) }
            #expect(try session.findDataObjects(application: application) == [object])
            #expect(try session.findDataObjects(application: application, label: label) == [object])
            #expect(try session.findDataObjects(application: application, label: label + "x").isEmpty)
            let read = try session.dataObject(object)
            #expect(read.handle == object && read.label == label && read.value == Array("one".utf8))
            try session.destroyObject(object)
            #expect(try session.findDataObjects(application: application).isEmpty)
        }
    }
}
