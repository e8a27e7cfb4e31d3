import Foundation
import OutcomesDatabase

extension EmbeddedCluster {
    /// The CPU time the server has used so far, in seconds: the postmaster's own, that of the
    /// processes it has reaped (backends, parallel workers), and that of its live children. The
    /// difference over a stretch of work is the work this node did (Linux /proc; nil elsewhere).
    public func cpuSeconds() -> Double? {
        guard let postmaster = pidFromFile(), let own = Self.stat(postmaster) else { return nil }
        var ticks = own.user + own.system + own.childrenUser + own.childrenSystem
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for name in names {
            guard let pid = Int32(name), let child = Self.stat(pid), child.parent == postmaster else { continue }
            ticks += child.user + child.system
        }
        return Double(ticks) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    private struct ProcessTimes {
        let parent: Int32
        let user: Int, system: Int, childrenUser: Int, childrenSystem: Int
    }

    /// Fields 4 (ppid) and 14–17 (utime, stime, cutime, cstime) of /proc/PID/stat, counted after
    /// the command name, which may hold spaces and ends at the last ')'.
    private static func stat(_ pid: Int32) -> ProcessTimes? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // fields[0] is the state (field 3).
        guard fields.count > 14, let parent = Int32(fields[1]), let user = Int(fields[11]), let system = Int(fields[12]),
              let childrenUser = Int(fields[13]), let childrenSystem = Int(fields[14]) else { return nil }
        return ProcessTimes(parent: parent, user: user, system: system, childrenUser: childrenUser, childrenSystem: childrenSystem)
    }
}
