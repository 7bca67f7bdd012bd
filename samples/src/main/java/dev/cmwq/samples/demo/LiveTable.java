package dev.cmwq.samples.demo;

import dev.cmwq.WorkerCounts;
import dev.cmwq.Workqueue;
import dev.cmwq.WorkqueueStats;
import java.io.PrintStream;
import java.util.Optional;

/**
 * The live rows, one per tick while a phase runs. The left part is the same for every
 * scheduler; for cmwq the right part adds the kernel's {@code wq_monitor.py} columns for the
 * workqueue the scheduler queues on, and the runtime's workers by state.
 *
 * <pre>
 *   time     since the phase's first arrival
 *   arrived  items submitted so far
 *   done     items finished (completed or failed)
 *   backlog  arrived - done: queued or running
 *   threads  the scheduler's threads alive now
 *   total    items started (STARTED)                 infl     started - completed
 *   CPUtime  CPU seconds spent in its items          CPUitsv  items past the CPU-intensive threshold
 *   CMW/RPR  workers woken because a running one blocked (CM_WAKEUP; bound workqueues)
 *   mayday, rescued  rescuer activity; "-" unless the workqueue is memReclaim()
 *   idle/run/blkd    the runtime's workers: waiting, running, asleep inside an item
 * </pre>
 *
 * Called from one thread at a time.
 */
final class LiveTable {

  private final PrintStream out; // I

  LiveTable(PrintStream out) {
    this.out = out;
  }

  void header(Contender c) {
    out.printf("%n%s   [%s]%n", c.label(), c.builtAs());
    out.printf("%7s %8s %8s %8s %7s", "time", "arrived", "done", "backlog", "threads");
    if (c.workqueue().isPresent()) {
      out.printf(" | %7s %5s %8s %7s %7s %6s %7s | %4s %4s %4s",
          "total", "infl", "CPUtime", "CPUitsv", "CMW/RPR", "mayday", "rescued", "idle", "run", "blkd");
    }
    out.println();
  }

  /**
   * Prints a row; {@code stats} are the workqueue's counters since the phase started (after the
   * warm-up), present for cmwq only.
   */
  void row(Contender c, Optional<WorkqueueStats> stats, long elapsedNanos, int arrived, int done, int backlog, int threads) {
    out.printf("%6.1fs %8d %8d %8d %7d", elapsedNanos / 1e9, arrived, done, backlog, threads);
    Optional<Workqueue> wq = c.workqueue();
    if (wq.isPresent()) {
      WorkqueueStats s = stats.orElseThrow();
      boolean reclaim = wq.get().isMemReclaim();
      WorkerCounts w = c.runtime().orElseThrow().workers();
      out.printf(" | %7d %5d %8.2f %7s %7d %6s %7s | %4d %4d %4d",
          s.started(), s.inFlight(), s.cpuTime().toNanos() / 1e9,
          wq.get().isUnbound() ? "-" : Long.toString(s.cpuIntensive()),
          s.cmWakeups(),
          reclaim ? Long.toString(s.mayday()) : "-",
          reclaim ? Long.toString(s.rescued()) : "-",
          w.idle(), w.running(), w.blocked());
    }
    out.println();
  }

  /**
   * Returns: the counters of {@code now} minus those of {@code base}; the gauges
   * ({@code inFlight}, {@code inactive}) as in {@code now}.
   */
  static WorkqueueStats since(WorkqueueStats base, WorkqueueStats now) {
    return new WorkqueueStats(
        now.started() - base.started(),
        now.completed() - base.completed(),
        now.inFlight(),
        now.cpuTime().minus(base.cpuTime()),
        now.cpuIntensive() - base.cpuIntensive(),
        now.cmWakeups() - base.cmWakeups(),
        now.mayday() - base.mayday(),
        now.rescued() - base.rescued(),
        now.inactive(),
        now.failed() - base.failed());
  }

  void closed(Contender c, int threadsLeft) {
    out.printf("%s closed: %s%n", c.label(),
        threadsLeft == 0 ? "all its threads have exited" : threadsLeft + " of its threads still alive after 5 s");
  }
}
