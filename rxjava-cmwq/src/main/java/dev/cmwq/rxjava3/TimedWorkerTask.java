package dev.cmwq.rxjava3;

import dev.cmwq.DelayedWork;
import java.util.Comparator;

/**
 * A worker task with a delay. Its {@link #trigger}, a {@link DelayedWork} on the scheduler's
 * workqueue, waits on the runtime's timer; until the task is handed to the strand it also sits in
 * the worker's set of timed tasks, ordered by {@link #ORDER}.
 *
 * <p>The trigger does not hand the task over itself: triggers that fire together may run at once
 * on different CPUs, and would reach the strand in any order. It only queues the strand; the strand
 * moves every task that is due from the ordered set to its queue, earliest deadline first and in
 * scheduling order for equal deadlines. Operators such as {@code delay} rely on exactly that: items
 * scheduled with one delay come out in order, followed by the completion.
 */
final class TimedWorkerTask extends WorkerTask {

  /**
   * Earliest deadline first (compared as {@code a - b}, safe across the clock's wrap-around), then
   * scheduling order.
   */
  static final Comparator<TimedWorkerTask> ORDER =
      (a, b) -> {
        long d = a.deadline - b.deadline;
        if (d != 0) {
          return d < 0 ? -1 : 1;
        }
        return Long.compare(a.seq, b.seq);
      };

  /** I: when it is due, on the runtime's clock. */
  final long deadline;
  /** I: the worker's scheduling sequence number, to keep equal deadlines in order. */
  final long seq;
  /** I: the timer stage. */
  final Trigger trigger = new Trigger();

  TimedWorkerTask(Runnable run, StrandWorker worker, long deadline, long seq) {
    super(run, worker);
    this.deadline = deadline;
    this.seq = seq;
  }

  @Override
  void disposedBeforeRun() {
    trigger.cancel(); // cancel_work: off the timer (or off the queue if it has just fired)
    worker.forget(this);
  }

  /** The expiry of the delay, never early: runs on a worker of the scheduler's workqueue. */
  final class Trigger extends DelayedWork {
    @Override
    protected void execute() {
      worker.timerFired();
    }

    @Override
    protected String functionName() {
      return run.getClass().getName();
    }
  }
}
