package dev.cmwq.reactor;

import static dev.cmwq.reactor.TaskState.CANCELLED;
import static dev.cmwq.reactor.TaskState.DONE;
import static dev.cmwq.reactor.TaskState.INTERRUPTING;
import static dev.cmwq.reactor.TaskState.PENDING;
import static dev.cmwq.reactor.TaskState.RUNNING;

import dev.cmwq.DelayedWork;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;

/**
 * A direct periodic task of {@link CmwqScheduler#schedulePeriodically}: one delayed work item
 * that re-arms itself after each run at a fixed rate, from the ideal start times
 * {@code first + n * period} on the runtime's clock, so delays do not add up (no drift). A run
 * that ends after the next start re-queues at once (catch-up). Runs never overlap: the item is
 * re-armed only after its run returned, and a work item never runs concurrently with itself.
 *
 * <p>Counted per run, as a timed task. A run that throws ends the repetition, as with Reactor's
 * own schedulers. States: {@link TaskState}, with RUNNING → PENDING after each run.
 */
final class PeriodicTask extends DelayedWork implements Disposable, SchedulerItem {

  private final CmwqScheduler owner; // I
  private final Runnable task; // I
  private final long period; // I: nanoseconds, >= 0
  long nextStart; // R: the ideal start of the next run on owner.clock (only the runner writes it after arming)
  private volatile int state; // see TaskState
  private @Nullable Thread runner; // written before the CAS to RUNNING, which publishes it

  PeriodicTask(CmwqScheduler owner, Runnable task, long firstStart, long period) {
    this.owner = owner;
    this.task = task;
    this.nextStart = firstStart;
    this.period = period;
  }

  @Override
  public CmwqScheduler owner() {
    return owner;
  }

  @Override
  protected void execute() {
    CmwqScheduler s = owner;
    s.enterTimed();
    try {
      if (state != PENDING) {
        return;
      }
      if (!s.mayRun(false)) {
        stop(false);
        return;
      }
      runner = Thread.currentThread();
      if (!STATE.compareAndSet(this, PENDING, RUNNING)) {
        return;
      }
      boolean ok = true;
      try {
        task.run();
      } catch (Throwable ex) {
        ok = false;
        CmwqScheduler.handleError(ex);
      }
      if (ok && STATE.compareAndSet(this, RUNNING, PENDING)) {
        rearm();
      } else {
        if (!STATE.compareAndSet(this, RUNNING, DONE)) {
          TaskState.awaitInterrupted(() -> state);
        }
        s.periodics.remove(this);
      }
    } finally {
      s.finish();
    }
  }

  /** Arms the next run from the ideal start time. Runs on the runner, state PENDING. */
  private void rearm() {
    long next = nextStart + period;
    nextStart = next;
    long delay = next - owner.clock.nanoTime(); // wrap-safe difference
    try {
      owner.wq.queueDelayedWork(this, Math.max(0, delay), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) { // workqueue destroyed or runtime shut down
      stop(false);
      return;
    }
    if (state != PENDING) { // disposed while it was being armed: take it off the timer again
      cancel();
    }
  }

  /**
   * Stops the repetition: a pending run is taken off the timer; a running one finishes and is
   * not re-armed, interrupted first if {@code interrupt} and the scheduler interrupts.
   */
  void stop(boolean interrupt) {
    owner.periodics.remove(this);
    for (;;) {
      int s = state;
      if (s == PENDING) {
        if (STATE.compareAndSet(this, PENDING, CANCELLED)) {
          cancel();
          return;
        }
      } else if (s == RUNNING) {
        Thread t = runner;
        if (interrupt && owner.interruptOnDispose && t != null && t != Thread.currentThread()) {
          if (STATE.compareAndSet(this, RUNNING, INTERRUPTING)) {
            t.interrupt();
            state = CANCELLED;
            return;
          }
        } else if (STATE.compareAndSet(this, RUNNING, CANCELLED)) {
          return;
        }
      } else {
        return;
      }
    }
  }

  @Override
  public void dispose() {
    stop(true);
  }

  @Override
  public boolean isDisposed() {
    return TaskState.isDisposed(state);
  }

  @Override
  public String toString() {
    return "PeriodicTask{" + owner.name() + ", period=" + period + "ns, state=" + state + "}";
  }

  private static final VarHandle STATE;

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(PeriodicTask.class, "state", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }
}
