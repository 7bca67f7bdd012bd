package dev.cmwq.reactor;

import static dev.cmwq.reactor.TaskState.CANCELLED;
import static dev.cmwq.reactor.TaskState.DONE;
import static dev.cmwq.reactor.TaskState.INTERRUPTING;
import static dev.cmwq.reactor.TaskState.PENDING;
import static dev.cmwq.reactor.TaskState.RUNNING;

import dev.cmwq.DelayedWork;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;

/**
 * A direct task of {@link CmwqScheduler#schedule}: one object that is at once the work item
 * (queued, or armed on the timer when delayed) and the {@link Disposable} the caller gets.
 *
 * <p>An immediate task is counted from its acceptance; a delayed one from when its timer fired
 * and it runs (see {@link CmwqScheduler}). Disposing is {@code cancel_work}: a pending task is
 * taken off its queue or timer; a running one is interrupted when disposed from another thread,
 * unless the scheduler has interrupts off. States: {@link TaskState}.
 */
final class DirectTask extends DelayedWork implements Disposable, SchedulerItem {

  private final CmwqScheduler owner; // I
  private final boolean immediate; // I: counted from acceptance
  private @Nullable Runnable task; // I, cleared by the runner when it is done with it
  private volatile int state; // PENDING on creation; see TaskState
  private @Nullable Thread runner; // written before the CAS to RUNNING, which publishes it

  DirectTask(CmwqScheduler owner, Runnable task, boolean immediate) {
    this.owner = owner;
    this.task = task;
    this.immediate = immediate;
  }

  @Override
  public CmwqScheduler owner() {
    return owner;
  }

  @Override
  protected void execute() {
    CmwqScheduler s = owner;
    if (!immediate) {
      s.enterTimed(); // before the state read, as admit()
    }
    try {
      if (state != PENDING) {
        return; // disposed after it was dequeued: the disposer counted it out of the queue
      }
      if (!s.mayRun(immediate)) {
        if (STATE.compareAndSet(this, PENDING, CANCELLED) && immediate) {
          s.started.increment();
        }
        return;
      }
      runner = Thread.currentThread();
      if (!STATE.compareAndSet(this, PENDING, RUNNING)) {
        return;
      }
      if (immediate) {
        s.started.increment();
      }
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
        }
      }
    } finally {
      s.finish();
    }
  }

  /** Queueing threw: count it out. Only for immediate tasks, which were counted in. */
  void rejected() {
    state = CANCELLED;
    task = null;
    owner.started.increment();
    owner.finish();
  }

  @Override
  public void dispose() {
    for (;;) {
      int s = state;
      if (s == PENDING) {
        if (STATE.compareAndSet(this, PENDING, CANCELLED)) {
          task = null;
          if (immediate) {
            owner.started.increment(); // it left the queue now
          }
          // cancel() true: it will never run, so count it out here; false: a worker took it
          // (or its timer is firing) and execute() finds CANCELLED and counts it out
          if (cancel() && immediate) {
            owner.finish();
          }
          return;
        }
      } else if (s == RUNNING) {
        Thread t = runner;
        if (owner.interruptOnDispose && t != null && t != Thread.currentThread()) {
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
    return "DirectTask{" + owner.name() + ", state=" + state + "}";
  }

  private static final VarHandle STATE;

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(DirectTask.class, "state", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }
}
