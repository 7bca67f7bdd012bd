package dev.cmwq.rxjava3;

import io.reactivex.rxjava3.core.Scheduler;
import io.reactivex.rxjava3.plugins.RxJavaPlugins;
import java.util.concurrent.RejectedExecutionException;
import org.jspecify.annotations.Nullable;

/**
 * A task of {@code schedulePeriodicallyDirect}: one {@link DirectTask} that re-arms itself after
 * each run, at a fixed rate.
 *
 * <p>No drift: run {@code n} is armed for {@code first + n × period}, computed from the ideal start
 * of the previous run, not from when it actually ran; a late run makes the next delay shorter
 * (zero if it is already due), so the count of runs over any span of the clock is right. Only
 * when the clock has jumped further than RxJava's {@link Scheduler#clockDriftTolerance()} past the
 * ideal start (a suspended machine) does the schedule restart from now, as RxJava's own periodic
 * tasks do, instead of firing every missed run.
 *
 * <p>It re-arms before it leaves RUNNING: the core's non-reentrancy holds the next run back until
 * this one has returned, and a dispose that lands between arming and leaving RUNNING makes the
 * runner cancel what it armed.
 */
final class PeriodicDirectTask extends DirectTask {

  /** I: the period; 0 or less runs back to back. */
  private final long periodNanos;
  /**
   * R: the ideal start of the next run on the runtime's clock. Written by the scheduling thread,
   * then by each run before it re-arms; the core's queueing publishes it to the next run.
   */
  private long nextRun;

  PeriodicDirectTask(Runnable run, CmwqScheduler owner, long periodNanos, long firstRun) {
    super(run, owner);
    this.periodNanos = periodNanos;
    this.nextRun = firstRun;
  }

  @Override
  void afterRun(@Nullable Throwable failure) {
    if (failure != null || owner.isShutdown()) {
      // a failing periodic task stops, as RxJava's do; so does one of a shut-down scheduler
      end(DONE);
      if (failure != null) {
        RxJavaPlugins.onError(failure);
      }
      return;
    }
    long now = owner.nanoTime();
    long delay;
    if (periodNanos <= 0) {
      delay = 0;
    } else {
      long next = nextRun + periodNanos;
      if (now - next > Scheduler.clockDriftTolerance()) {
        next = now + periodNanos;
      }
      nextRun = next;
      delay = Math.max(0, next - now);
    }
    boolean armed;
    try {
      armed = owner.arm(this, delay);
    } catch (RejectedExecutionException e) {
      armed = false; // the workqueue or runtime is going away: stop quietly
    }
    if (!armed) {
      end(DONE);
    } else if (!end(READY)) {
      cancel(); // disposed while it re-armed
    }
  }
}
