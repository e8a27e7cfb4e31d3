import OutcomesDatabase

/// The folders of this target's resource bundle (`outcomes_OutcomesCLI.resources`), which holds the
/// top-level `scenarios/` and `notebooks-export/` files the commands read, flattened into its root.
extension ResourceFolder {
    /// The demo's contract, evaluation and scenario files (`scenarios/*.yaml`).
    public static let scenarios = ResourceFolder(contents: "scenario files", override: "OUTCOMES_SCENARIOS_DIR", target: "OutcomesCLI")

    /// The templates of `export notebook` (`notebooks-export/*.ipynb`).
    public static let notebookTemplates = ResourceFolder(
        contents: "notebook templates", override: "OUTCOMES_NOTEBOOKS_DIR", target: "OutcomesCLI")
}
