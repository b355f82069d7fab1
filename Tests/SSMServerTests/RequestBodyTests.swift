import HTTPTypes
import Testing

@Suite("Request bodies that are JSON but not an object")
struct RequestBodyTests {
    @Test("an array, null, a number or a string as the body is 400 INVALID_JSON saying an object is needed")
    func notAnObject() async throws {
        try await withTestApp { client, _ in
            for body in ["[]", "null", "1", "\"x\"", "[{\"key_label\":\"a\"}]"] {
                let response = try await client.send(.post, "/encrypt-pool", raw: body)
                expectProblem(response, .badRequest, "INVALID_JSON")
                #expect(response.body.string("detail") == "the body must be a JSON object", "body \(body)")
            }
        }
    }
}
