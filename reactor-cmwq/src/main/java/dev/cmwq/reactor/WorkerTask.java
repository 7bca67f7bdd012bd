package dev.cmwq.reactor;

import static dev.cmwq.reactor.TaskState.CANCELLED;
import static dev.cmwq.reactor.TaskState.DONE;
import static dev.cmwq.reactor.TaskState.INTERRUPTING;
import static dev.cmwq.reactor.TaskState.PENDING;
import static dev.cmwq.reactor.TaskState.RUNNING;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;

/**
 * An immediate task of a {@link StrandWorker}: an entry of the worker's queue and the
 * {@link Disposable} its caller gets. Counted from acceptance. Disposing a queued task marks it
 * CANCELLED and counts it out at once; the strand skips it when it reaches it. States:
 * {@link TaskState}.
 */
final class WorkerTask implements StrandTask, Disposable {

  private final StrandWorker worker; // I
  private @Nullable Runnable task; // I, cleared once it will not run again
  private volatile int state; // see TaskState
  private @Nullable Thread runner; // written before the CAS to RUNNING, which publishes it

  WorkerTask(StrandWorker worker, Runnable task) {
    this.worker = worker;
    this.task = task;
  }

  @Override
  public void runOnStrand() {
    CmwqScheduler s = worker.owner;
    if (state != PENDING) {
      return; // disposed while queued: counted out then
    }
    if (!s.mayRun(true)) {
      dropFromQueue();
      return;
    }
    Thread.interrupted(); // as ThreadPoolExecutor: a task never starts interrupted by an earlier one
    runner = Thread.currentThread();
    if (!STATE.compareAndSet(this, PENDING, RUNNING)) {
      return;
    }
    s.started.increment();
    Runnable r = task;
    try {
      if (r != null) {
        r.run();
      }
    } catch (Throwable ex) {
      CmwqScheduler.handleError(ex);
    } finally {
      task = null;
      if (!STATE.compareAndSet(this, RUNNING, DONE)) {
        TaskState.awaitInterrupted(() -> state);
        Thread.interrupted(); // the interrupt was for this task only
      }
      s.finish();
    }
  }

  @Override
  public void dropFromQueue() {
    cancelQueued();
  }

  /**
   * Cancels the task if it has not started.
   *
   * @return true if it is cancelled and never ran (whoever cancelled it)
   */
  boolean cancelQueued() {
    if (STATE.compareAndSet(this, PENDING, CANCELLED)) {
      task = null;
      CmwqScheduler s = worker.owner;
      s.started.increment();
      s.finish();
      return true;
    }
    return state == CANCELLED && runner == null;
  }

  @Override
  public void dispose() {
    for (;;) {
      int s = state;
      if (s == PENDING) {
        if (cancelQueued()) {
          return;
        }
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
    return "WorkerTask{" + worker + ", state=" + state + "}";
  }

  private static final VarHandle STATE;

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(WorkerTask.class, "state", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }
}
