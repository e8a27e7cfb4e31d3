import Foundation

/// Files written chunk by chunk inside a folder `SafeWriter.writeFolder` is filling (a fresh
/// temporary folder of ours): each is created new (`O_CREAT | O_EXCL | O_NOFOLLOW`, so nothing
/// planted is ever opened), and `finish` syncs every file and folder before the folder is renamed
/// into place. For output too large to hold in memory.
final class StreamingFiles {
    private let root: String
    private let option: String
    private var descriptors: [String: Int32] = [:]

    init(root: String, option: String) {
        self.root = root
        self.option = option
    }

    deinit { for descriptor in descriptors.values { close(descriptor) } }

    /// Makes a folder below the root (relative path).
    func makeFolder(_ relative: String) throws {
        guard mkdir(root + "/" + relative, 0o777) == 0 else { throw refused(relative, .folder) }
    }

    /// Appends bytes to a file below the root, created on first use.
    func append(_ bytes: [UInt8], to relative: String) throws {
        let descriptor = try self.descriptor(relative)
        try bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw refused(relative, .file)
                }
                offset += written
            }
        }
    }

    /// Syncs and closes every file, then syncs the folders they are in.
    func finish(folders: [String]) throws {
        for (relative, descriptor) in descriptors.sorted(by: { $0.key < $1.key }) {
            descriptors[relative] = nil
            let synced = fsync(descriptor) == 0
            guard close(descriptor) == 0, synced else { throw refused(relative, .file) }
        }
        for folder in folders {
            let descriptor = open(root + "/" + folder, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard descriptor >= 0 else { throw refused(folder, .folder) }
            defer { close(descriptor) }
            guard fsync(descriptor) == 0 else { throw refused(folder, .folder) }
        }
    }

    private func descriptor(_ relative: String) throws -> Int32 {
        if let descriptor = descriptors[relative] { return descriptor }
        let descriptor = open(root + "/" + relative, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else { throw refused(relative, .file) }
        descriptors[relative] = descriptor
        return descriptor
    }

    private func refused(_ relative: String, _ target: OutputPathError.Target) -> OutputPathError {
        OutputPathError(option: option, path: root + "/" + relative, target: target, problem: .refused(.init(errno: errno)))
    }
}
