// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "outcomes",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "outcomes", targets: ["outcomes"]),
        .executable(name: "outcomes-bench", targets: ["outcomes-bench"]),
        .library(name: "OutcomesDomain", targets: ["OutcomesDomain"]),
        .library(name: "PostgresClient", targets: ["PostgresClient"]),
        .library(name: "OutcomesDatabase", targets: ["OutcomesDatabase"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
    ],
    targets: [
        // libpq, the PostgreSQL C client library, found through pkg-config.
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"]), .brew(["libpq"])]
        ),
        // ReadStat, the C library R's haven and Python's pyreadstat read Stata files with. Debian's
        // libreadstat-dev ships no pkg-config file, so the module map links it by name.
        .systemLibrary(name: "CReadStat", providers: [.apt(["libreadstat-dev"]), .brew(["readstat"])]),
        // Statistical packages' data files (Stata .dta) read into the domain's tables, at the I/O edge.
        .target(name: "StatisticalFiles", dependencies: ["CReadStat", "OutcomesDomain"]),
        // A small PostgreSQL client: connections, bound queries, typed rows, COPY, transactions.
        .target(name: "PostgresClient", dependencies: ["CLibPQ"]),
        // Numeric kernels with no business words: regression, matching, weights, standard errors.
        .target(name: "OutcomesStatistics"),
        // Pure domain code: no database dependency (Yams reads contract files; evaluations use the statistics).
        .target(name: "OutcomesDomain", dependencies: ["OutcomesStatistics", .product(name: "Yams", package: "Yams")]),
        // Migrations, the embedded cluster, loaders and repositories. The migrations ship as a resource
        // bundle (outcomes_OutcomesDatabase.resources/migrations) found by ResourceFolder, not Bundle.module.
        // `sql` in the target is a link to the top-level sql/: a path through a link copies real files,
        // while a link named as the resource itself would be copied as a link.
        .target(
            name: "OutcomesDatabase", dependencies: ["PostgresClient", "OutcomesDomain"],
            resources: [.copy("sql/migrations")]
        ),
        // The CLI commands, as a testable library. The demo's scenario files and the notebook templates
        // ship in its resource bundle: `scenarios` and `notebooks-export` in the target are links to the
        // top-level folders, which `.process` follows (`.copy` would copy the links), flattening them
        // into the bundle's root; only the files the binary reads at run time are kept.
        .target(
            name: "OutcomesCLI",
            dependencies: [
                "OutcomesDatabase", "OutcomesDomain", "OutcomesStatistics", "PostgresClient", "StatisticalFiles",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            exclude: [
                "scenarios/README.md", "scenarios/data", "scenarios/extracts",
                "notebooks-export/README.md", "notebooks-export/requirements.txt",
            ],
            resources: [.process("scenarios"), .process("notebooks-export")]
        ),
        .executableTarget(name: "outcomes", dependencies: ["OutcomesCLI"]),
        // The lab, apart from the product: the benchmarks, the local Citus cluster and plan tooling.
        .target(
            name: "OutcomesLab",
            dependencies: [
                "OutcomesCLI", "OutcomesDatabase", "OutcomesDomain", "OutcomesStatistics", "PostgresClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // `outcomes` too, so that `swift run outcomes-bench` builds the binary the comparison benchmark times.
        .executableTarget(name: "outcomes-bench", dependencies: ["OutcomesLab", "outcomes"]),
        // A throwaway PostgreSQL cluster shared by the test suites of one test process.
        .target(name: "OutcomesTestSupport", dependencies: ["OutcomesDatabase", "PostgresClient"]),
        .testTarget(name: "OutcomesDomainTests", dependencies: ["OutcomesDomain", "OutcomesTestSupport"]),
        .testTarget(name: "OutcomesStatisticsTests", dependencies: ["OutcomesStatistics"], resources: [.copy("reference")]),
        .testTarget(name: "PostgresClientTests", dependencies: ["PostgresClient", "OutcomesTestSupport"]),
        .testTarget(
            name: "OutcomesDatabaseTests",
            dependencies: ["OutcomesDatabase", "OutcomesDomain", "OutcomesTestSupport"]
        ),
        .testTarget(
            name: "OutcomesCLITests",
            dependencies: [
                "OutcomesCLI", "OutcomesDatabase", "OutcomesDomain", "OutcomesLab", "OutcomesTestSupport", "outcomes", "outcomes-bench",
            ],
            exclude: ["fixtures"]  // .dta files and the script that writes them, read by path
        ),
    ],
    swiftLanguageModes: [.v6]
)
