import Foundation
import OutcomesDatabase
import OutcomesDomain

/// The folders of this target's resource bundle (`outcomes_OutcomesCLI.resources`), which holds the
/// top-level `scenarios/` and `notebooks-export/` files the commands read, flattened into its root.
extension ResourceFolder {
    /// The demo's contract, evaluation and scenario files (`scenarios/*.yaml`).
    public static let scenarios = ResourceFolder(contents: "scenario files", override: "OUTCOMES_SCENARIOS_DIR", target: "OutcomesCLI")

    /// The templates of `export notebook` (`notebooks-export/*.ipynb`).
    public static let notebookTemplates = ResourceFolder(
        contents: "notebook templates", override: "OUTCOMES_NOTEBOOKS_DIR", target: "OutcomesCLI")
}

extension ResourceFolder {
    /// The path of `name` in the folder, checked to be a file: a command finds a missing one before it
    /// computes or stores anything.
    func file(_ name: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> URL {
        let url = try directory(environment: environment).appendingPathComponent(name)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            let overridden = !(environment[override] ?? "").isEmpty
            throw ResourceFileMissing(path: url.path, folder: self, overridden: overridden)
        }
        return url
    }

    /// The text of `name` in the folder.
    func text(of name: String) throws -> (path: String, text: String) {
        let url = try file(name)
        return (url.path, try YAMLFile.read(url.path))
    }
}

/// A file a resource folder should hold is not in it: exit 66 when the folder is the override's (the
/// user named it, like an input file), 78 when it is the installed bundle's (a broken installation).
struct ResourceFileMissing: UserFacingError, Equatable {
    let path: String
    let folder: ResourceFolder
    let overridden: Bool

    var message: String {
        overridden
            ? "\(path): no such file. \(folder.override) names the folder of the \(folder.contents) to read; point it at one "
                + "holding them all, or unset it to read those installed with the binary."
            : "\(path): no such file among the \(folder.contents) installed with this binary. Install the binary together "
                + "with the folders built beside it (README, Install), or set \(folder.override) to a folder holding the \(folder.contents)."
    }

    var exitStatus: ExitStatus { overridden ? .noInput : .configuration }
}
