package dev.cmwq.rxjava3;

import dev.cmwq.DelayedWork;
import io.reactivex.rxjava3.disposables.Disposable;
import io.reactivex.rxjava3.plugins.RxJavaPlugins;
import io.reactivex.rxjava3.schedulers.SchedulerRunnableIntrospection;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.jspecify.annotations.Nullable;

/**
 * A task of {@code scheduleDirect}: one {@link DelayedWork}, queued on the scheduler's workqueue or
 * armed on the runtime's timer. It is its own {@link Disposable}, so a task is one object.
 *
 * <h2>States</h2>
 *
 * <pre>
 *   READY ──run──▶ RUNNING ──returns──▶ DONE
 *     │              │ └──returns, periodic, re-armed──▶ READY
 *     │              ├──dispose on the running thread, or interrupts off──▶ DISPOSED
 *     │              └──dispose from another thread──▶ INTERRUPTING ──interrupt sent──▶ INTERRUPTED
 *     └──dispose──▶ DISPOSED (and cancel_work takes it off the queue or timer)
 * </pre>
 *
 * The runner leaves RUNNING with a CAS; if the CAS fails a disposer got there first, and if that
 * disposer is interrupting, the runner waits until the interrupt has been sent and then clears it,
 * so an interrupt never leaks past the task it was meant for (RxJava's executor-based schedulers
 * do the same). Every state from DONE up counts as disposed. Without INTERRUPTING, a disposer
 * that read {@link #runner} just before the task returned could interrupt the worker's next item.
 */
class DirectTask extends DelayedWork implements Disposable, SchedulerRunnableIntrospection {

  static final int READY = 0;
  static final int RUNNING = 1;
  static final int DONE = 2;
  static final int DISPOSED = 3;
  /** A disposer owns the runner's interrupt: the runner must wait before it moves on. */
  static final int INTERRUPTING = 4;
  /** The interrupt has been sent; the runner clears it. */
  static final int INTERRUPTED = 5;

  private static final VarHandle STATE;

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(DirectTask.class, "state", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** I: the task after {@code RxJavaPlugins.onSchedule}. */
  final Runnable run;
  /** I: the scheduler it was scheduled on. */
  final CmwqScheduler owner;
  /** A: see the class comment; changed by CAS only, except the disposer's INTERRUPTED store. */
  private volatile int state;
  /**
   * R: the thread running the task. Written by the runner before its CAS READY → RUNNING, which
   * publishes it to a disposer that reads RUNNING; cleared by the runner once it has left RUNNING.
   */
  private @Nullable Thread runner;

  DirectTask(Runnable run, CmwqScheduler owner) {
    this.run = run;
    this.owner = owner;
  }

  @Override
  protected final void execute() {
    if (!begin()) {
      return; // disposed before it ran
    }
    Throwable failure = null;
    try {
      if (!owner.isShutdown()) {
        run.run();
      }
    } catch (Throwable t) {
      failure = t;
    }
    afterRun(failure);
  }

  /**
   * After the task returned or threw: leave RUNNING, then report the failure. Periodic tasks
   * re-arm here instead.
   */
  void afterRun(@Nullable Throwable failure) {
    end(DONE);
    if (failure != null) {
      RxJavaPlugins.onError(failure);
    }
  }

  /** Returns: true if the calling worker now runs the task (READY → RUNNING). */
  final boolean begin() {
    runner = Thread.currentThread();
    if (STATE.compareAndSet(this, READY, RUNNING)) {
      return true;
    }
    runner = null;
    return false;
  }

  /**
   * Leaves RUNNING for {@code to} (DONE, or READY for a periodic task that has re-armed).
   *
   * @return true if it did; false if a disposer came first (the task is disposed, and any interrupt
   *     it sent has been cleared)
   */
  final boolean end(int to) {
    if (STATE.compareAndSet(this, RUNNING, to)) {
      runner = null;
      return true;
    }
    int s;
    while ((s = state) == INTERRUPTING) {
      Thread.onSpinWait(); // the disposer is between its CAS and interrupt(): a few instructions
    }
    runner = null;
    if (s == INTERRUPTED) {
      Thread.interrupted(); // ours: it must not reach the worker's next item
    }
    return false;
  }

  /** Marks a task that was never queued (the workqueue rejected it) as disposed. */
  final void rejected() {
    state = DISPOSED;
  }

  @Override
  public final void dispose() {
    for (;;) {
      int s = state;
      if (s == READY) {
        if (STATE.compareAndSet(this, READY, DISPOSED)) {
          cancel(); // cancel_work: off the queue or the timer if it is still there
          return;
        }
      } else if (s == RUNNING) {
        if (owner.interruptsOnDispose() && runner != Thread.currentThread()) {
          if (STATE.compareAndSet(this, RUNNING, INTERRUPTING)) {
            // the runner waits in end() while INTERRUPTING, so runner is still the thread that
            // runs this task, and the interrupt lands before end() clears it
            Thread t = runner;
            if (t != null) {
              t.interrupt();
            }
            state = INTERRUPTED;
            return;
          }
        } else if (STATE.compareAndSet(this, RUNNING, DISPOSED)) {
          return;
        }
      } else {
        return; // done or disposed already
      }
    }
  }

  @Override
  public final boolean isDisposed() {
    return state >= DONE;
  }

  @Override
  public final Runnable getWrappedRunnable() {
    return run;
  }

  @Override
  protected final String functionName() {
    return run.getClass().getName();
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "{" + run + ", state " + state + "}";
  }
}
