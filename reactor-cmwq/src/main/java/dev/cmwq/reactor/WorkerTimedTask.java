package dev.cmwq.reactor;

import static dev.cmwq.reactor.TaskState.CANCELLED;
import static dev.cmwq.reactor.TaskState.DONE;
import static dev.cmwq.reactor.TaskState.INTERRUPTING;
import static dev.cmwq.reactor.TaskState.PENDING;
import static dev.cmwq.reactor.TaskState.QUEUED;
import static dev.cmwq.reactor.TaskState.RUNNING;

import dev.cmwq.DelayedWork;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;

/**
 * A delayed or periodic task of a {@link StrandWorker}. It is a delayed work item of its own:
 * armed on the timer (PENDING, not counted), its {@link #execute()} runs when the timer fires
 * and only moves it into the worker's queue (QUEUED, counted in); the strand then runs the
 * user's runnable ({@link #runOnStrand()}), in order with the worker's other tasks. A periodic
 * one is re-armed from its ideal start time after each run, as {@link PeriodicTask}.
 *
 * <p>While armed it is on the worker's intrusive list ({@link #prevT}, {@link #nextT},
 * {@link #linked}: guarded by the worker's monitor) so that disposing the worker reaches it.
 */
final class WorkerTimedTask extends DelayedWork implements StrandTask, Disposable, SchedulerItem {

  private final StrandWorker worker; // I
  private @Nullable Runnable task; // I, cleared once it will not run again
  private final long period; // I: nanoseconds; -1 for a one-shot task
  long nextStart; // R: ideal start of the next run on the runtime's clock
  private volatile int state; // see TaskState
  private @Nullable Thread runner; // written before the CAS to RUNNING, which publishes it

  @Nullable WorkerTimedTask prevT; // M (worker monitor)
  @Nullable WorkerTimedTask nextT; // M
  boolean linked; // M

  WorkerTimedTask(StrandWorker worker, Runnable task, long firstStart, long period) {
    this.worker = worker;
    this.task = task;
    this.nextStart = firstStart;
    this.period = period;
  }

  @Override
  public CmwqScheduler owner() {
    return worker.owner;
  }

  /** The timer fired: join the worker's queue. Internal; never runs user code. */
  @Override
  protected void execute() {
    if (state != PENDING) {
      return;
    }
    CmwqScheduler s = worker.owner;
    if (worker.disposed || !s.mayRun(false)) {
      cancelArmed();
      return;
    }
    s.accepted.increment(); // counted in from here; before the state re-read (CmwqScheduler)
    if (s.mayRun(false) && STATE.compareAndSet(this, PENDING, QUEUED)) {
      worker.enqueueFired(this);
      return;
    }
    s.started.increment(); // refused after all: count it out again
    s.finish();
    cancelArmed();
  }

  @Override
  public void runOnStrand() {
    CmwqScheduler s = worker.owner;
    if (state != QUEUED) {
      return;
    }
    if (!s.mayRun(true)) {
      dropFromQueue();
      return;
    }
    Thread.interrupted(); // a task never starts interrupted by an earlier one
    runner = Thread.currentThread();
    if (!STATE.compareAndSet(this, QUEUED, RUNNING)) {
      return;
    }
    s.started.increment();
    boolean ok = true;
    Runnable r = task;
    try {
      if (r != null) {
        r.run();
      }
    } catch (Throwable ex) {
      ok = false;
      CmwqScheduler.handleError(ex);
    }
    try {
      if (period >= 0
          && ok
          && !worker.disposed
          && s.mayRun(false)
          && STATE.compareAndSet(this, RUNNING, PENDING)) {
        rearm();
      } else {
        if (!STATE.compareAndSet(this, RUNNING, DONE)) {
          TaskState.awaitInterrupted(() -> state);
          Thread.interrupted(); // the interrupt was for this task only
        }
        task = null;
        worker.unlink(this);
      }
    } finally {
      s.finish();
    }
  }

  private void rearm() {
    long next = nextStart + period;
    nextStart = next;
    long delay = next - worker.owner.clock.nanoTime();
    try {
      worker.owner.wq.queueDelayedWork(this, Math.max(0, delay), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      cancelArmed();
      return;
    }
    if (state != PENDING) { // disposed while it was being armed: take it off the timer again
      cancel();
    }
  }

  /** Takes an armed (not counted) task off the timer; no effect in any other state. */
  void cancelArmed() {
    if (STATE.compareAndSet(this, PENDING, CANCELLED)) {
      cancel();
      task = null;
      worker.unlink(this);
    }
  }

  @Override
  public void dropFromQueue() {
    if (STATE.compareAndSet(this, QUEUED, CANCELLED)) {
      task = null;
      CmwqScheduler s = worker.owner;
      s.started.increment();
      s.finish();
      worker.unlink(this);
    }
  }

  @Override
  public void dispose() {
    for (;;) {
      int s = state;
      if (s == PENDING) {
        if (STATE.compareAndSet(this, PENDING, CANCELLED)) {
          cancel();
          task = null;
          worker.unlink(this);
          return;
        }
      } else if (s == QUEUED) {
        dropFromQueue();
      } else if (s == RUNNING) {
        Thread t = runner;
        if (worker.owner.interruptOnDispose && t != null && t != Thread.currentThread()) {
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
  public boolean isDisposed() {
    return TaskState.isDisposed(state);
  }

  @Override
  public String toString() {
    return "WorkerTimedTask{" + worker + (period >= 0 ? ", period=" + period + "ns" : "") + ", state=" + state + "}";
  }

  private static final VarHandle STATE;

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(WorkerTimedTask.class, "state", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }
}
