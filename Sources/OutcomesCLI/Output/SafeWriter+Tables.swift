import Foundation
import OutcomesDomain

extension SafeWriter {
    /// One CSV file per table, named by the table (`benefit_cost.csv`, …), as a folder written whole.
    func writeTables(_ report: Report, into folder: String) throws {
        try writeFolder(at: folder) { temporary in
            for table in report.tables {
                try write(Report.csv(table) + "\n", to: temporary + "/\(table.name).csv")
            }
        }
    }
}
