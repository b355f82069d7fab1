/// The OpenAPI 3.1 description of ssm's HTTP API, served at `GET /openapi.yaml`.
///
/// Its one source is `docs/openapi.yaml`; `scripts/gen-openapi.sh` embeds that file here as
/// a string (`OpenAPIDocument+YAML.swift`), so the binary needs no resource bundle beside it.
enum OpenAPIDocument {}
