import Dispatch
import Foundation
import PostgresClient

/// Ctrl-C (SIGINT) or SIGTERM while a command runs: outcomes removes every temporary it is writing
/// (`TemporaryFolders`: files, folders, scratch), says so in one line on standard error and exits
/// with the conventional status, 128 + the signal (130, 143) — instead of dying by the signal with
/// hidden `.outcomes-tmp` files left behind, some holding person-level data (`--matched-data`).
///
/// A database statement in progress is cancelled first (`ServerCancellation`): the server would
/// otherwise notice the closed connection only when it next writes to it, and a statement waiting
/// on a lock or computing would run on, holding its locks. The transaction is rolled back as the
/// connection closes with the process.
enum Interruption {
    /// The signal sources, kept for the life of the process.
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []

    /// Installs the handlers; returns once the system delivers the signals to them.
    static func install() {
        for (number, name) in [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM")] {
            // Ignored, so the signal's default action (death) never runs; the dispatch source still
            // receives it, and runs the handler on a queue — outside signal context, free to take
            // locks and remove files.
            signal(number, SIG_IGN)
            let registered = DispatchSemaphore(value: 0)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global(qos: .userInitiated))
            source.setEventHandler { stop(by: number, name) }
            source.setRegistrationHandler { registered.signal() }
            source.resume()
            registered.wait()
            sources.append(source)
        }
    }

    /// Removes the temporaries and exits; the writer, waiting on the registry, never continues.
    private static func stop(by number: Int32, _ name: String) -> Never {
        // The registry first: the command, seeing its statement cancelled, would otherwise report the
        // cancellation as a refusal and exit with that status before this handler exits with 128 + N.
        let (_, written) = TemporaryFolders.shared.removeAllForExit()
        ServerCancellation.cancelAll()
        let shown = written.map { $0.printable }
        let outcome = shown.isEmpty ? "nothing was written"
            : "nothing was written after \(shown.joined(separator: ", ")), which had been written whole before"
        // On a terminal the line starts fresh (after ^C or a progress bar).
        let line = (isatty(STDERR_FILENO) == 1 ? "\n" : "")
            + "interrupted: \(name); outcomes stopped and removed the temporary files it was writing (the database rolls back "
            + "any transaction in progress); \(outcome)\n"
        line.utf8CString.withUnsafeBufferPointer { bytes in _ = write(STDERR_FILENO, bytes.baseAddress, bytes.count - 1) }
        // _exit: no exit handlers or buffers of the main thread, which is still mid-command.
        _exit(128 + number)
    }
}
