/// The OpenAPI 3.1 description of ssm's HTTP API, served at `GET /openapi.yaml`.
///
/// Its one source is `docs/openapi.yaml`: the `EmbedOpenAPIDocument` build-tool plugin embeds that
/// file as a string (`OpenAPIDocument.yaml`, generated in the build directory at each build), so
/// the binary needs no resource bundle beside it.
enum OpenAPIDocument {}
