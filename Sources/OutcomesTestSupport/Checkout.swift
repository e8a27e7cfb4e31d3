import Foundation

/// Folders of the source checkout the tests were built from: the examples in full, sample extracts and
/// data files included (the binary's resource bundle holds only the files it reads at run time).
public enum Checkout {
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../..").standardizedFileURL

    /// The top-level `scenarios/`: contract, evaluation and scenario files, `data/`, `extracts/sample`.
    public static let scenarios = root.appendingPathComponent("scenarios")

    /// The tests' Python (nbclient for notebooks, recordlinkage and Splink for the linkage references):
    /// $OUTCOMES_PYTHON, else .build/notebook-venv, which `.ci/run` makes.
    public static var python: URL? {
        if let explicit = ProcessInfo.processInfo.environment["OUTCOMES_PYTHON"], !explicit.isEmpty { return URL(fileURLWithPath: explicit) }
        let venv = root.appendingPathComponent(".build/notebook-venv/bin/python")
        return FileManager.default.isExecutableFile(atPath: venv.path) ? venv : nil
    }
}
