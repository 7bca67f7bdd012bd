package dev.cmwq.rxjava3;

import dev.cmwq.Work;
import io.reactivex.rxjava3.core.Scheduler;
import io.reactivex.rxjava3.disposables.Disposable;
import io.reactivex.rxjava3.plugins.RxJavaPlugins;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * An RxJava {@link Scheduler.Worker} as a <em>strand</em>: one work item ({@link #strand}) owns a
 * FIFO queue of the worker's tasks and runs them one after another.
 *
 * <h2>Why the tasks never overlap</h2>
 *
 * Only the strand runs tasks, and a work item never runs concurrently with itself (the core's
 * non-reentrancy guarantee), so two tasks of one worker never overlap, whichever CPU slots the
 * strand lands on. They run in queue order, which is scheduling order for tasks without delay.
 *
 * <h2>Why no task is left behind</h2>
 *
 * A scheduler offers the task to the queue, then queues the strand. The core clears the strand's
 * PENDING just before the strand runs, and the strand polls until the queue is empty. So either
 * the strand was pending (a run that has not started yet, and will poll the new task), or it was
 * not and the {@code queueWork} queues a new run. The strand does not requeue itself; because
 * every run is queued by a producer, {@code flush_workqueue} waits for every task scheduled before
 * it.
 *
 * <p>A task scheduled from inside a task of this worker is offered to the queue and run by the
 * same strand run after the current task returns: never inline.
 *
 * <h2>Delayed tasks</h2>
 *
 * A delayed task waits in {@link #timed}, ordered by deadline then scheduling order, while its
 * trigger waits on the timer. A trigger that fires only queues the strand; at the start of each
 * run the strand moves every task whose deadline has passed from {@link #timed} to its queue, in
 * that order. So delayed tasks never run early, and tasks with the same delay run in the order
 * they were scheduled, whichever CPUs their triggers fired on.
 */
final class StrandWorker extends Scheduler.Worker {

  private static final VarHandle TIMED;
  private static final VarHandle SEQ;

  static {
    try {
      MethodHandles.Lookup l = MethodHandles.lookup();
      TIMED = l.findVarHandle(StrandWorker.class, "timed", ConcurrentSkipListSet.class);
      SEQ = l.findVarHandle(StrandWorker.class, "seq", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** I: the scheduler that made the worker. */
  final CmwqScheduler owner;
  /** Multi-producer (any thread that schedules, the timed tasks' triggers), consumed by the strand and by dispose. */
  private final ConcurrentLinkedQueue<WorkerTask> queue = new ConcurrentLinkedQueue<>();
  /** I: the work item that runs the tasks. */
  private final Strand strand = new Strand();
  /** A: set once by {@link #dispose()}. */
  private volatile boolean disposed;
  /**
   * S: the task the strand runs now, else null; written by the strand only, read by dispose() to
   * dispose (interrupt) it. Both volatile: the strand stores it then reads {@link #disposed};
   * dispose() stores disposed then reads it; so at least one sees the other, and a task polled
   * while the worker is being disposed either is dropped by the strand or disposed by dispose().
   */
  private volatile @Nullable WorkerTask current;
  /**
   * A: the delayed tasks not yet handed to the strand, in {@link TimedWorkerTask#ORDER}; created on
   * first use by CAS. A task leaves it once, by the {@code remove} that succeeds: the strand's
   * (then it is queued) or its dispose's.
   */
  private volatile @Nullable ConcurrentSkipListSet<TimedWorkerTask> timed;
  /** A: the next scheduling sequence number of a delayed task (getAndAdd). */
  @SuppressWarnings("unused") // through SEQ
  private volatile long seq;

  StrandWorker(CmwqScheduler owner) {
    this.owner = owner;
  }

  @Override
  public Disposable schedule(Runnable run) {
    Runnable decorated = RxJavaPlugins.onSchedule(run);
    if (isDisposed()) {
      return Disposable.disposed();
    }
    WorkerTask t = new WorkerTask(decorated, this);
    return submit(t) ? t : Disposable.disposed();
  }

  @Override
  public Disposable schedule(Runnable run, long delay, TimeUnit unit) {
    Runnable decorated = RxJavaPlugins.onSchedule(run);
    if (isDisposed()) {
      return Disposable.disposed();
    }
    long nanos = CmwqScheduler.clampDelay(unit.toNanos(delay));
    if (nanos <= 0) {
      WorkerTask t = new WorkerTask(decorated, this);
      return submit(t) ? t : Disposable.disposed();
    }
    long deadline = owner.nanoTime() + nanos;
    TimedWorkerTask t = new TimedWorkerTask(decorated, this, deadline, (long) SEQ.getAndAdd(this, 1L));
    timedSet().add(t);
    if (disposed) {
      t.dispose(); // dispose() may have swept the set before the add
      return Disposable.disposed();
    }
    try {
      if (owner.arm(t.trigger, nanos)) {
        return t;
      }
    } catch (RejectedExecutionException e) {
      t.dispose();
      RxJavaPlugins.onError(e);
      return Disposable.disposed();
    }
    t.dispose(); // not armed: the trigger is fresh, so only a disabled item could refuse
    return Disposable.disposed();
  }

  /**
   * Puts {@code t} on the strand's queue and makes sure a strand run will see it.
   *
   * @return false if the worker is disposed or the workqueue rejected the strand ({@code t} is
   *     then disposed)
   */
  boolean submit(WorkerTask t) {
    queue.offer(t);
    if (disposed) {
      t.dispose(); // dispose() may have drained the queue before the offer
      return false;
    }
    try {
      owner.queue(strand); // false when a run is pending: that run polls t
      return true;
    } catch (RejectedExecutionException e) {
      t.dispose();
      RxJavaPlugins.onError(e);
      return false;
    }
  }

  /**
   * A trigger fired: some delayed task is due. Runs on a worker of the scheduler's workqueue (so
   * it may queue even while the workqueue drains); the strand hands the due tasks over.
   */
  void timerFired() {
    if (disposed) {
      return;
    }
    try {
      owner.queue(strand);
    } catch (RejectedExecutionException e) {
      // destroyed under us: the worker's tasks will not run, as after shutdown
    }
  }

  /** Drops {@code t} from the timed tasks if it is still there. */
  void forget(TimedWorkerTask t) {
    ConcurrentSkipListSet<TimedWorkerTask> s = timed;
    if (s != null) {
      s.remove(t);
    }
  }

  private ConcurrentSkipListSet<TimedWorkerTask> timedSet() {
    ConcurrentSkipListSet<TimedWorkerTask> s = timed;
    if (s == null) {
      ConcurrentSkipListSet<TimedWorkerTask> created = new ConcurrentSkipListSet<>(TimedWorkerTask.ORDER);
      // CAS: the loser uses the winner's set
      Object witness = TIMED.compareAndExchange(this, (ConcurrentSkipListSet<?>) null, created);
      @SuppressWarnings("unchecked")
      ConcurrentSkipListSet<TimedWorkerTask> won = witness == null ? created : (ConcurrentSkipListSet<TimedWorkerTask>) witness;
      s = won;
    }
    return s;
  }

  /**
   * Moves the delayed tasks that are due (deadline not after now) from {@link #timed} to the
   * queue, earliest first. Called by the strand at the start of a run.
   */
  private void queueDueTimedTasks(ConcurrentSkipListSet<TimedWorkerTask> s) {
    long now = owner.nanoTime();
    for (TimedWorkerTask t : s) { // ascending, weakly consistent
      if (t.deadline - now > 0) {
        return;
      }
      if (s.remove(t)) { // else its dispose took it
        queue.offer(t);
      }
    }
  }

  /**
   * Disposes the worker: no task scheduled from now on runs; pending tasks (queued, or waiting on
   * the timer) are cancelled; a running task is disposed, so it is interrupted when this is called
   * from another thread and interrupts are on. Idempotent.
   */
  @Override
  public void dispose() {
    if (disposed) {
      return;
    }
    disposed = true;
    strand.cancel(); // a pending run would find nothing to do
    WorkerTask c = current;
    if (c != null) {
      c.dispose();
    }
    dropQueued();
    ConcurrentSkipListSet<TimedWorkerTask> s = timed;
    if (s != null) {
      for (TimedWorkerTask t : s) {
        t.dispose(); // cancels its trigger and removes it from s
      }
    }
  }

  /** Returns: true once disposed, or once the scheduler is shut down. */
  @Override
  public boolean isDisposed() {
    return disposed || owner.isShutdown();
  }

  @Override
  public long now(TimeUnit unit) {
    return owner.now(unit);
  }

  private void dropQueued() {
    WorkerTask t;
    while ((t = queue.poll()) != null) {
      t.dispose();
    }
  }

  @Override
  public String toString() {
    return "StrandWorker{" + owner.workqueue().name() + (disposed ? ", disposed" : "") + "}";
  }

  /** The work item that runs the worker's tasks. */
  private final class Strand extends Work {

    /** Hands over the due delayed tasks, then runs every queued task in order until the queue is empty. */
    @Override
    protected void execute() {
      ConcurrentSkipListSet<TimedWorkerTask> s = timed;
      if (s != null && !s.isEmpty() && !disposed) {
        queueDueTimedTasks(s);
      }
      for (;;) {
        if (disposed || owner.isShutdown()) {
          dropQueued();
          return;
        }
        WorkerTask t = queue.poll();
        if (t == null) {
          return;
        }
        current = t;
        if (disposed) {
          // dispose() ran between the check above and the store: it may have read current as
          // null, so this task is ours to drop (Dekker: one of us sees the other's store)
          current = null;
          t.dispose();
          dropQueued();
          return;
        }
        boolean returned = false;
        try {
          t.runOnStrand();
          returned = true;
        } finally {
          current = null;
          Thread.interrupted(); // as between work items: no task leaves an interrupt to the next
          if (!returned && !queue.isEmpty()) {
            // only RxJavaPlugins.onError can throw out of a task (its handler failed): the core
            // reports it; the tasks behind still need a run
            requeue();
          }
        }
      }
    }

    /**
     * Returns: the class of the task running now (what a hog report or a dump should name: the
     * operator, such as observeOn's subscriber), else this class.
     */
    @Override
    protected String functionName() {
      WorkerTask c = current;
      return c != null ? c.run.getClass().getName() : StrandWorker.class.getName();
    }

    private void requeue() {
      try {
        owner.queue(this);
      } catch (RejectedExecutionException e) {
        dropQueued();
      }
    }
  }
}
