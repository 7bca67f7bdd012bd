package dev.cmwq.rxjava3;

import io.reactivex.rxjava3.disposables.Disposable;
import io.reactivex.rxjava3.plugins.RxJavaPlugins;
import io.reactivex.rxjava3.schedulers.SchedulerRunnableIntrospection;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.jspecify.annotations.Nullable;

/**
 * A task of a {@link StrandWorker}: an element of the strand's queue, run by the strand's work
 * item. It is a plain object, not a work item, so that a worker task costs one small allocation.
 *
 * <p>Its states and the interrupt hand-shake are those of {@link DirectTask} (see there): READY,
 * RUNNING, DONE, DISPOSED, INTERRUPTING, INTERRUPTED. The code is repeated rather than shared
 * because a direct task must extend {@code DelayedWork} and this must not.
 */
class WorkerTask implements Disposable, SchedulerRunnableIntrospection {

  private static final VarHandle STATE;

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(WorkerTask.class, "state", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** I: the task after {@code RxJavaPlugins.onSchedule}. */
  final Runnable run;
  /** I: the worker it was scheduled on. */
  final StrandWorker worker;
  /** A: READY .. INTERRUPTED, as {@link DirectTask}. */
  private volatile int state;
  /** R: as {@link DirectTask}: written before READY → RUNNING, cleared after leaving RUNNING. */
  private @Nullable Thread runner;

  WorkerTask(Runnable run, StrandWorker worker) {
    this.run = run;
    this.worker = worker;
  }

  /**
   * Runs the task unless it was disposed. Called by the strand only, so never concurrently with
   * another task of the same worker.
   */
  final void runOnStrand() {
    runner = Thread.currentThread();
    if (!STATE.compareAndSet(this, DirectTask.READY, DirectTask.RUNNING)) {
      runner = null;
      return;
    }
    Throwable failure = null;
    try {
      run.run();
    } catch (Throwable t) {
      failure = t;
    }
    if (STATE.compareAndSet(this, DirectTask.RUNNING, DirectTask.DONE)) {
      runner = null;
    } else {
      int s;
      while ((s = state) == DirectTask.INTERRUPTING) {
        Thread.onSpinWait();
      }
      runner = null;
      if (s == DirectTask.INTERRUPTED) {
        Thread.interrupted(); // ours: it must not reach the worker's next task
      }
    }
    if (failure != null) {
      RxJavaPlugins.onError(failure);
    }
  }

  /** Returns: whether the task has neither started nor been disposed. */
  final boolean isReady() {
    return state == DirectTask.READY;
  }

  /** Called once when a READY task is disposed; timed tasks cancel their timer here. */
  void disposedBeforeRun() {}

  @Override
  public final void dispose() {
    for (;;) {
      int s = state;
      if (s == DirectTask.READY) {
        if (STATE.compareAndSet(this, DirectTask.READY, DirectTask.DISPOSED)) {
          disposedBeforeRun(); // a queued one is skipped by the strand when it comes up
          return;
        }
      } else if (s == DirectTask.RUNNING) {
        if (worker.owner.interruptsOnDispose() && runner != Thread.currentThread()) {
          if (STATE.compareAndSet(this, DirectTask.RUNNING, DirectTask.INTERRUPTING)) {
            Thread t = runner; // still the runner: it waits while INTERRUPTING
            if (t != null) {
              t.interrupt();
            }
            state = DirectTask.INTERRUPTED;
            return;
          }
        } else if (STATE.compareAndSet(this, DirectTask.RUNNING, DirectTask.DISPOSED)) {
          return;
        }
      } else {
        return;
      }
    }
  }

  @Override
  public final boolean isDisposed() {
    return state >= DirectTask.DONE;
  }

  @Override
  public final Runnable getWrappedRunnable() {
    return run;
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "{" + run + ", state " + state + "}";
  }
}
