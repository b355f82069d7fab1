import Foundation
import PackagePlugin

/// Embeds `docs/openapi.yaml`, the one hand-edited description of ssm's HTTP API, in the target
/// at build time: the `EmbedOpenAPI` tool writes it as a Swift string (`OpenAPIDocument.yaml`)
/// into the plugin's work directory, rebuilt whenever the document changes. The binary needs no
/// resource bundle beside it (the static release build ships the executable alone), and no
/// generated copy is committed.
@main
struct EmbedOpenAPIDocument: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        let document = context.package.directoryURL.appending(path: "docs/openapi.yaml")
        let output = context.pluginWorkDirectoryURL.appending(path: "OpenAPIDocument+YAML.swift")
        return [
            .buildCommand(
                displayName: "Embedding docs/openapi.yaml in \(target.name)",
                executable: try context.tool(named: "EmbedOpenAPI").url,
                arguments: [document.path(percentEncoded: false), output.path(percentEncoded: false)],
                inputFiles: [document],
                outputFiles: [output]
            )
        ]
    }
}
