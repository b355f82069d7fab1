import Foundation

/// The fault-injecting PKCS#11 module of Tests/FaultInjection, which the slow-HSM point puts in
/// front of the bench token's module.
public enum FaultModule {
    /// The fault module: `path` when given, else built by the repository's
    /// scripts/build-fault-module.sh (run from the repository's root) into `directory`; else
    /// why there is none.
    public static func locate(_ path: String?, directory: String) -> Result<String, BenchError> {
        if let path {
            return FileManager.default.fileExists(atPath: path) ? .success(path) : .failure(BenchError("--fault-module \(path) does not exist"))
        }
        let script = FileManager.default.currentDirectoryPath + "/scripts/build-fault-module.sh"
        guard FileManager.default.isExecutableFile(atPath: script) else {
            return .failure(BenchError("no fault module: run ssm-bench from the repository's root or pass --fault-module PATH"))
        }
        guard let result = try? Subprocess.run(script, [directory + "/fault"]), result.status == 0,
            let library = result.output.split(separator: "\n").last.map(String.init), FileManager.default.fileExists(atPath: library)
        else {
            return .failure(BenchError("scripts/build-fault-module.sh failed (it needs gcc and libp11-kit-dev)"))
        }
        return .success(library)
    }
}
