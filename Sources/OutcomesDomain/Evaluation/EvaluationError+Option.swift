extension EvaluationError {
    /// What is wrong with a command-line option or evaluation-file key (the error names the option).
    public enum OptionProblem: Sendable, Equatable {
        // The design's options checked together (`EvaluationSpec.validated`).
        /// A method that models or matches on covariates, given none.
        case methodNeedsCovariates(EvaluationSpec.Method)
        case noOutcome
        /// A whole number outside the range the option takes (the ratio, the subclasses).
        case wholeNumberOutside(ClosedRange<Int>, Int)
        /// A number outside the interval the option takes.
        case numberOutside(Interval, Double)
        /// A covariate's number of bins (`--cutpoints`) outside the range.
        case binsOutside(covariate: String, ClosedRange<Int>, Int)
        /// An option of another design than the one chosen.
        case appliesOnlyTo(DesignScope)
        /// Exact keys, a caliper, a ratio or replacement, without nearest-neighbour matching.
        case matchingOptionsWithoutNearest
        /// Nearest-neighbour matching asked for the ATE.
        case nearestEstimatesATT
        /// `adjust` with AIPW.
        case aipwAdjustsAlready
        /// A heteroskedasticity-robust convention asked of AIPW.
        case aipwStandardErrorIsItsOwn
        /// A one-way clustered convention (CR0, CR1) without matched sets or subclasses to cluster
        /// by; `withReplacement` when the design is nearest-neighbour matching with replacement.
        case clustersNeedSets(EvaluationSpec.StandardErrors, withReplacement: Bool)
        /// CR1-two-way without nearest-neighbour matching with replacement.
        case twoWayNeedsReplacement
        /// CR1-household on a table that does not come from the IDS (which knows the households).
        case householdsNeedTheIDS
        /// Cutpoints for a column that is not a covariate.
        case notACovariate(String)
        /// A covariate named twice.
        case namedTwice(String)
        /// An outcome that is also a covariate.
        case outcomeIsCovariate(String)

        // Columns.
        /// A column the data do not have: the source (a file, or the table's), the columns it has, and
        /// where they were listed from.
        case noColumn(String, source: String, columns: [String], listed: ColumnListing)
        /// Cutpoints for a categorical covariate.
        case categoricalCoarsened(String)
        /// `--categorical` naming a column the comparison does not use as a covariate or exact key.
        case categoricalNotUsed(String)
        /// `--categorical` naming an outcome.
        case categoricalOutcome(String)
        /// The treatment column named in another role.
        case treatmentColumn(String, as: ColumnRole)

        // Values the command line parses.
        /// An `--outcome` that is not NAME or NAME:PRE.
        case notAnOutcome(String)
        /// A `--cutpoints` part that is not column=bins.
        case notColumnEqualsBins(String)
        /// A column given twice in `--cutpoints`.
        case binsGivenTwice(String)

        // Files.
        /// A statistical package's file, which compare does not read: the line that exports it as CSV.
        case formatNotRead(file: String, StatisticalPackage, exportLine: String)

        // Storing a comparison group (`--store-comparison`).
        /// AIPW has no single set of comparison weights to store.
        case storeNeedsOneSetOfWeights
        /// Only a matching or weighting design, from the pool, for one period, can be stored.
        case storeNeedsDesignFromPool
        /// A stored comparison group is the ATT's.
        case storeNeedsATT
    }

    /// The intervals a number option takes.
    public enum Interval: Sendable, Equatable {
        /// (0, 10] standard deviations: the caliper.
        case standardDeviations
        /// (0.5, 1): the trimming quantile.
        case quantile
        /// (0.5, 1): confidence and power.
        case probability
    }

    /// The designs an option belongs to.
    public enum DesignScope: Sendable, Equatable {
        case weighting, nearestOrSubclass, subclass, cem
    }

    /// Where the columns an error lists come from.
    public enum ColumnListing: Sendable, Equatable {
        /// The comparison's table (read from a file or the IDS).
        case table
        case csvHeader
        case stataVariables
    }

    /// What a column is to the comparison.
    public enum ColumnRole: Sendable, Equatable {
        case covariate, exactKey, outcome
    }

    /// Statistical packages whose files compare refuses, naming the line that exports them as CSV.
    public enum StatisticalPackage: Sendable, Equatable {
        case r, spss, sas
    }
}

extension EvaluationError.OptionProblem {
    /// What is wrong, in English: a clause after the option's name.
    public var explanation: String {
        switch self {
        case .methodNeedsCovariates(let method): "method \(method.rawValue) needs at least one covariate"
        case .noOutcome: "name at least one outcome to estimate an effect on"
        case .wholeNumberOutside(let range, let value): "must be a whole number from \(range.lowerBound) to \(range.upperBound), not \(value)"
        case .numberOutside(let interval, let value): "must be \(interval.explanation), not \(value)"
        case .binsOutside(let covariate, let range, let bins): "\(covariate.printable) needs \(range.lowerBound) to \(range.upperBound) bins, not \(bins)"
        case .appliesOnlyTo(let scope): "applies to \(scope.explanation) only"
        case .matchingOptionsWithoutNearest: "exact, caliper, ratio and replace apply to nearest-neighbour matching only"
        case .nearestEstimatesATT: "nearest-neighbour matching estimates the ATT; use method weighting for the ATE"
        case .aipwAdjustsAlready: "AIPW already adjusts for the covariates through its outcome models"
        case .aipwStandardErrorIsItsOwn: "AIPW's standard error comes from its influence function; no other convention applies"
        case .clustersNeedSets(let convention, let withReplacement):
            "\(convention.rawValue) clusters by matched set or subclass: it needs nearest-neighbour matching without replacement, subclassification or CEM"
                + (withReplacement ? "; with replacement use CR1-two-way or HC0-HC3" : "")
        case .twoWayNeedsReplacement: "CR1-two-way clusters by matched set and unit: it applies to nearest-neighbour matching with replacement only"
        case .householdsNeedTheIDS: "CR1-household clusters by the units' households, which the IDS records: it applies to comparisons of the IDS's units, not of a data file"
        case .notACovariate(let name): "\(name.printable) is not a covariate"
        case .namedTwice(let name): "\(name.printable) is named twice"
        case .outcomeIsCovariate(let name): "\(name.printable) is also a covariate; an outcome is measured after the index date, covariates before"
        case .noColumn(let name, let source, let columns, let listed):
            "\(source) has no column \(name.printable); " + Self.listing(columns, listed)
        case .categoricalCoarsened(let name): "\(name.printable) is categorical; coarsened exact matching matches its categories exactly"
        case .categoricalNotUsed(let name): "\(name.printable) is not a covariate or exact-match column of this comparison"
        case .categoricalOutcome(let name): "\(name.printable) is an outcome; outcomes are numeric"
        case .treatmentColumn(let name, let role):
            "\(name.printable) is the treatment column (--treatment); the treatment cannot be \(role.explanation)"
        case .notAnOutcome(let value):
            "\(value.printable) is not an outcome: the form is NAME or NAME:PRE (a column, or a column and its pre-period column)"
        case .notColumnEqualsBins(let part): "\(part.printable) is not column=bins (e.g. age=4)"
        case .binsGivenTwice(let name): "\(name.printable) is given twice"
        case .formatNotRead(let file, let package, let exportLine):
            "\(file.printable) is \(package.fileKind), which compare does not read (it reads CSV and Stata .dta); "
                + "\(package.exportsIn), `\(exportLine.printable)` writes it as a CSV to give instead"
        case .storeNeedsOneSetOfWeights:
            "--method aipw has no single set of comparison weights to store: its estimate adds outcome regressions to inverse-probability weights, "
                + "so no weighted mean of the comparison units is its comparison figure; store --method weighting (the same propensity model's "
                + "weights) or ebal, and report the AIPW estimate from a run without --store-comparison"
        case .storeNeedsDesignFromPool:
            "stores a matched comparison group (nearest-neighbour matching, 1:1 or k:1, with or without replacement, or the weights of "
                + "--method weighting, subclass, cem or ebal), from the pool, for one --period (payments weigh each comparison unit by its "
                + "weight under each provider)"
        case .storeNeedsATT:
            "a stored comparison group pays each provider's participants, unweighted, against comparison units weighted to resemble them: "
                + "the ATT; store it with estimand ATT (the default)"
        }
    }

    /// The first 30 columns, as the source lists them.
    private static func listing(_ columns: [String], _ listed: EvaluationError.ColumnListing) -> String {
        let shown = columns.prefix(30).map(\.printable).joined(separator: ", ")
        return switch listed {
        case .table: "it has \(shown)"
        case .csvHeader: "its header has \(shown)"
        case .stataVariables: "its variables are \(shown.isEmpty ? "none" : shown)"
        }
    }
}

extension EvaluationError.Interval {
    var explanation: String {
        switch self {
        case .standardDeviations: "between 0 and 10 standard deviations"
        case .quantile: "a quantile between 0.5 and 1 (e.g. 0.99)"
        case .probability: "between 0.5 and 1"
        }
    }
}

extension EvaluationError.DesignScope {
    var explanation: String {
        switch self {
        case .weighting: "weighting"
        case .nearestOrSubclass: "nearest-neighbour matching and subclassification"
        case .subclass: "subclassification (method subclass)"
        case .cem: "coarsened exact matching (method cem)"
        }
    }
}

extension EvaluationError.ColumnRole {
    var explanation: String {
        switch self {
        case .covariate: "a covariate"
        case .exactKey: "an exact-match key"
        case .outcome: "an outcome or a pre-period column"
        }
    }
}

extension EvaluationError.StatisticalPackage {
    var fileKind: String {
        switch self {
        case .r: "an R data file"
        case .spss: "an SPSS data file"
        case .sas: "a SAS data file"
        }
    }

    /// Where its export line runs.
    var exportsIn: String {
        switch self {
        case .r: "in R"
        case .spss: "in SPSS"
        case .sas: "in R (with the haven package)"
        }
    }
}
