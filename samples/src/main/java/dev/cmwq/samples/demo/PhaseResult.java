package dev.cmwq.samples.demo;

import dev.cmwq.WorkqueueStats;
import java.util.Optional;

/**
 * What one scheduler did with the workload. Times are in nanoseconds, measured from the first
 * arrival.
 *
 * @param label the scheduler's name in the tables
 * @param items items that arrived
 * @param completed items that ran to the end
 * @param failed items that ended in an error (a rejection, say); {@code completed + failed == items}
 * @param lastArrivalNanos when the last item arrived
 * @param makespanNanos when the last item was done
 * @param peakThreads the most of the scheduler's threads alive at once
 * @param p50Nanos median latency of the completed items, arrival to done
 * @param p99Nanos 99th percentile of the same
 * @param stats the cmwq workqueue's {@code wq_monitor} counters at the end; empty for Reactor's
 * @param threadsLeft the scheduler's threads still alive once it was closed
 */
public record PhaseResult(
    String label,
    int items,
    int completed,
    int failed,
    long lastArrivalNanos,
    long makespanNanos,
    int peakThreads,
    long p50Nanos,
    long p99Nanos,
    Optional<WorkqueueStats> stats,
    int threadsLeft) {

  /** Returns: how long after the last arrival the last item was done. */
  public long lagNanos() {
    return Math.max(0, makespanNanos - lastArrivalNanos);
  }

  /** Returns: items done per second of makespan. */
  public double itemsPerSecond() {
    return makespanNanos == 0 ? 0 : completed * 1e9 / makespanNanos;
  }
}
