import Foundation

/// Every temporary outcomes is writing — a temporary file or folder from its creation until it is
/// renamed into place or removed, a folder made above a folder output until that output is in
/// place, a private scratch folder — and, for folders being filled, the path each becomes (so notes
/// name the path the user gave).
///
/// An interruption (SIGINT, SIGTERM; see `Interruption`) takes the registry for good and removes
/// every entry before the process exits. Creating and renaming a temporary happen while the
/// registry is held, so an interruption sees each temporary either not yet created (and it never
/// will be: the writer waits on the registry until the process is gone) or created and registered
/// (and removes it), and a rename either finished (the target is whole) or never happens.
final class TemporaryFolders: @unchecked Sendable {
    static let shared = TemporaryFolders()

    enum Kind: Sendable {
        /// Outcomes' own: removed with everything in it.
        case temporary
        /// A folder made on the way to a folder output: removed only when empty (after the temporaries).
        case madeFolder
    }

    private let lock = NSLock()
    private var final: [String: String] = [:]
    private var live: [String: Kind] = [:]
    /// Targets renamed into place whole during this process (outside any temporary folder).
    private var written: [String] = []

    // MARK: - Temporaries, by the writer

    /// Runs `create` (which makes the entry at `path` and says whether it did) with the registry
    /// held, and registers the entry when it was made. `errno` is as `create` left it.
    func creating(_ path: String, _ kind: Kind = .temporary, _ create: () -> Bool) -> Bool {
        lock.lock()
        let made = create()
        let code = errno
        if made { live[path] = kind }
        lock.unlock()
        errno = code
        return made
    }

    /// Runs `rename` (which puts `temporary` at `target`) with the registry held; when it succeeds
    /// the temporary is no longer one, and the entry `leaving` names (an old folder swapped out to a
    /// temporary name) is. `errno` is as `rename` left it.
    func finishing<T>(_ temporary: String, into target: String, leaving: (T) -> String? = { _ in nil },
                      _ rename: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        let result = try rename()
        let code = errno
        live.removeValue(forKey: temporary)
        if let left = leaving(result) { live[left] = .temporary }
        if !live.keys.contains(where: { target.hasPrefix($0 + "/") }) { written.append(target) }
        errno = code
        return result
    }

    /// Runs `remove` (which removes the entry at `path`, or gives up on it) with the registry held,
    /// and forgets the entry.
    func discarding(_ path: String, _ remove: () -> Void) {
        lock.withLock {
            remove()
            live.removeValue(forKey: path)
        }
    }

    /// Forgets entries that are no longer temporary (folders made above an output now in place).
    func keeping(_ paths: [String]) {
        lock.withLock { for path in paths { live.removeValue(forKey: path) } }
    }

    // MARK: - Names

    func filling<T>(_ temporary: String, for path: String, _ body: () throws -> T) rethrows -> T {
        lock.withLock { final[temporary] = path }
        defer { _ = lock.withLock { final.removeValue(forKey: temporary) } }
        return try body()
    }

    /// The path as the user will find it once its temporary folders are renamed into place.
    func shown(_ path: String) -> String {
        var path = path
        // Innermost first: a nested temporary folder's path is registered under its parent's temporary name.
        while let (temporary, target) = lock.withLock({ final.filter { path.hasPrefix($0.key) }.max { $0.key.count < $1.key.count } }) {
            path = target + path.dropFirst(temporary.count)
        }
        return path
    }

    // MARK: - Exit

    /// Takes the registry for good, so no temporary is created or renamed from now on, and removes
    /// every temporary (then every folder made for an output, if empty). Returns how many entries
    /// were removed and the targets written whole before. Only for a process about to exit.
    func removeAllForExit() -> (removed: Int, written: [String]) {
        lock.lock()  // never unlocked: the process exits
        var removed = 0
        // Outer first: removing a temporary folder removes the temporaries inside it.
        for (path, _) in live.filter({ $0.value == .temporary }).sorted(by: { $0.key.count < $1.key.count }) {
            var status = stat()
            guard lstat(path, &status) == 0 else { continue }
            if (try? FileManager.default.removeItem(atPath: path)) != nil { removed += 1 }
        }
        // Innermost first, and only when empty: a made folder someone else put files in stays.
        for (path, _) in live.filter({ $0.value == .madeFolder }).sorted(by: { $0.key.count > $1.key.count }) where rmdir(path) == 0 {
            removed += 1
        }
        return (removed, written)
    }

    /// Takes the registry for good before the process exits on its own, so an interruption arriving
    /// now waits for the exit instead of racing it.
    func holdForExit() { lock.lock() }
}
