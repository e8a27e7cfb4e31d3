import Foundation

/// The memory a local PostgreSQL server spends on one session's work (Linux /proc): the backend's
/// own peak (VmHWM, which counts the shared buffers it touched), and, sampled every 200 ms, the
/// largest total of private memory (RssAnon) held at once by the parallel workers the postmaster
/// ran beside it. Zero where /proc does not show the server (another host, another OS).
final class ServerMemorySampler: @unchecked Sendable {
    struct Peak {
        var backendMegabytes: Int
        var workersMegabytes: Int
    }

    private let backend: Int32
    private let lock = NSLock()
    private var running = false
    private var workersPeakKilobytes = 0
    private let finished = DispatchSemaphore(value: 0)

    init(backend: Int32) { self.backend = backend }

    func start() {
        lock.withLock { running = true }
        DispatchQueue.global().async { [self] in
            let postmaster = Self.field("PPid", of: backend).map(Int32.init)
            while lock.withLock({ running }) {
                if let postmaster {
                    let total = Self.children(of: postmaster).filter { $0 != backend && Self.isParallelWorker($0) }
                        .compactMap { Self.field("RssAnon", of: $0) }.reduce(0, +)
                    lock.withLock { workersPeakKilobytes = max(workersPeakKilobytes, total) }
                }
                Thread.sleep(forTimeInterval: 0.2)
            }
            finished.signal()
        }
    }

    func stop() -> Peak {
        lock.withLock { running = false }
        finished.wait()
        return Peak(backendMegabytes: (Self.field("VmHWM", of: backend) ?? 0) / 1024,
                    workersMegabytes: lock.withLock { workersPeakKilobytes } / 1024)
    }

    /// A numeric field of /proc/PID/status (kilobytes for the memory fields).
    static func field(_ name: String, of pid: Int32) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(name + ":") {
            return line.dropFirst(name.count + 1).split(whereSeparator: { $0 == " " || $0 == "\t" }).first.flatMap { Int($0) }
        }
        return nil
    }

    private static func children(of parent: Int32) -> [Int32] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return names.compactMap(Int32.init).filter { field("PPid", of: $0) == Int(parent) }
    }

    private static func isParallelWorker(_ pid: Int32) -> Bool {
        let command = (try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)) ?? ""
        return command.contains("parallel worker")
    }
}
