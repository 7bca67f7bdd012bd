package dev.cmwq.reactor;

import dev.cmwq.Work;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.Exceptions;
import reactor.core.Scannable;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * A {@link Scheduler.Worker} as a <em>strand</em>: one work item that owns a FIFO queue of the
 * worker's tasks and runs them one after another.
 *
 * <h2>Why it is serial</h2>
 *
 * The strand is queued on the workqueue when its queue goes from idle to busy, and re-queues
 * itself after {@link #BATCH} tasks so that one busy worker does not hold a pool worker (or an
 * ordered workqueue) for ever. A work item never runs concurrently with itself (the kernel's
 * non-reentrancy guarantee, which cmwq-core keeps), so the worker's tasks never overlap, on
 * every kind of workqueue; the queue is FIFO, so they run in the order they were scheduled. A
 * task scheduled from inside a task of this worker goes to the back of the queue.
 *
 * <h2>Signalling</h2>
 *
 * {@link #wip} counts the signals since the strand last went idle (the drain-loop pattern of
 * Reactor's operators): a producer offers its task, then increments {@code wip}, and queues the
 * strand only on 0 → 1. The strand reads {@code wip}, empties the queue, and goes idle only by
 * CAS {@code wip} → 0 from the value it read before emptying: a producer that offered after the
 * queue looked empty has incremented {@code wip} since, so the CAS fails and the strand looks
 * again. The queue is a {@link ConcurrentLinkedQueue}: several producers, and a disposer that
 * empties it while the strand may poll it.
 *
 * <h2>Delayed tasks</h2>
 *
 * A delayed or periodic task is a {@link WorkerTimedTask}, a delayed work item of its own;
 * when its timer fires it puts itself in this worker's queue. The armed ones are kept on an
 * intrusive list (guarded by this object's monitor) so that {@link #dispose()} can take them off
 * the timer at once.
 */
final class StrandWorker extends Work implements Scheduler.Worker, Scannable, SchedulerItem {

  /** Tasks run per execution before the strand re-queues itself behind the others. */
  static final int BATCH = 64;

  final CmwqScheduler owner; // I
  private final ConcurrentLinkedQueue<StrandTask> queue = new ConcurrentLinkedQueue<>();
  private volatile int wip; // signals since the strand last went idle; see the class comment
  volatile boolean disposed; // set once, by CAS
  private volatile @Nullable StrandTask current; // the strand: the entry it runs now
  private @Nullable WorkerTimedTask timedHead; // M (this monitor): armed timed tasks

  StrandWorker(CmwqScheduler owner) {
    this.owner = owner;
  }

  @Override
  public CmwqScheduler owner() {
    return owner;
  }

  // ---- scheduling ----

  @Override
  public Disposable schedule(Runnable task) {
    Objects.requireNonNull(task, "task");
    if (disposed) {
      throw Exceptions.failWithRejected();
    }
    Runnable r = Schedulers.onSchedule(task);
    owner.admit();
    WorkerTask t = new WorkerTask(this, r);
    queue.offer(t);
    if (disposed && t.cancelQueued()) { // dispose() may have emptied the queue before the offer
      throw Exceptions.failWithRejected();
    }
    if (!kick()) {
      throw Exceptions.failWithRejected();
    }
    return t;
  }

  @Override
  public Disposable schedule(Runnable task, long delay, TimeUnit unit) {
    Objects.requireNonNull(task, "task");
    long nanos = unit.toNanos(delay);
    if (nanos <= 0) {
      return schedule(task);
    }
    return scheduleTimed(task, nanos, -1);
  }

  @Override
  public Disposable schedulePeriodically(Runnable task, long initialDelay, long period, TimeUnit unit) {
    Objects.requireNonNull(task, "task");
    return scheduleTimed(task, Math.max(0, unit.toNanos(initialDelay)), Math.max(0, unit.toNanos(period)));
  }

  private Disposable scheduleTimed(Runnable task, long delay, long period) {
    if (disposed) {
      throw Exceptions.failWithRejected();
    }
    Runnable r = Schedulers.onSchedule(task);
    owner.admitTimed();
    WorkerTimedTask t = new WorkerTimedTask(this, r, owner.clock.nanoTime() + delay, period);
    link(t);
    if (disposed) { // dispose() may have walked the list before the link
      t.dispose();
      throw Exceptions.failWithRejected();
    }
    try {
      owner.wq.queueDelayedWork(t, delay, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      t.dispose();
      throw Exceptions.failWithRejected();
    }
    return t;
  }

  /** A fired timed task (already counted in) joins the queue. Runs on the timer's work item. */
  void enqueueFired(WorkerTimedTask t) {
    queue.offer(t);
    if (disposed) {
      t.dropFromQueue();
      return;
    }
    kick();
  }

  /**
   * Returns: a marker that completes when every entry queued before it has run, or null when
   * the worker is idle or disposed (nothing to wait for).
   */
  @Nullable CompletableFuture<Void> flushMarker() {
    if (disposed || wip == 0) {
      return null;
    }
    FlushMarker m = new FlushMarker();
    queue.offer(m);
    if (disposed || !kick()) {
      m.complete(null);
    }
    return m;
  }

  /**
   * Signals the strand after an offer; queues it on the 0 → 1 transition.
   *
   * @return false if the workqueue refused the strand (destroyed, or the runtime shut down):
   *     the worker is then disposed and every entry dropped
   */
  private boolean kick() {
    if ((int) WIP.getAndAdd(this, 1) == 0) {
      try {
        owner.wq.queueWork(this);
      } catch (RejectedExecutionException e) {
        dispose();
        return false;
      }
    }
    return true;
  }

  // ---- the strand ----

  @Override
  protected void execute() {
    int n = 0;
    for (;;) {
      int w = wip; // read before emptying: see the class comment
      for (;;) {
        if (disposed) {
          dropAll();
          return;
        }
        StrandTask t = queue.poll();
        if (t == null) {
          break;
        }
        current = t;
        t.runOnStrand();
        current = null;
        if (++n >= BATCH) {
          requeue();
          return;
        }
      }
      if (WIP.compareAndSet(this, w, 0)) {
        return; // idle: the next offer's 0 → 1 queues the strand again
      }
    }
  }

  /** Yields after a batch: wip stays non-zero, so producers do not queue the strand meanwhile. */
  private void requeue() {
    try {
      owner.wq.queueWork(this); // PENDING was cleared before execute(): this queues it again
    } catch (RejectedExecutionException e) {
      dispose();
    }
  }

  private void dropAll() {
    StrandTask t;
    while ((t = queue.poll()) != null) {
      t.dropFromQueue();
    }
  }

  // ---- timed tasks: intrusive list, M ----

  void link(WorkerTimedTask t) {
    synchronized (this) {
      WorkerTimedTask h = timedHead;
      t.nextT = h;
      t.prevT = null;
      if (h != null) {
        h.prevT = t;
      }
      timedHead = t;
      t.linked = true;
    }
  }

  void unlink(WorkerTimedTask t) {
    synchronized (this) {
      if (!t.linked) {
        return;
      }
      WorkerTimedTask p = t.prevT;
      WorkerTimedTask n = t.nextT;
      if (p != null) {
        p.nextT = n;
      } else {
        timedHead = n;
      }
      if (n != null) {
        n.prevT = p;
      }
      t.prevT = null;
      t.nextT = null;
      t.linked = false;
    }
  }

  private List<WorkerTimedTask> timedSnapshot() {
    List<WorkerTimedTask> out = new ArrayList<>();
    synchronized (this) {
      for (WorkerTimedTask t = timedHead; t != null; t = t.nextT) {
        out.add(t);
      }
    }
    return out;
  }

  /** disposeGracefully(): takes armed timed tasks off the timer; queued and running ones stay. */
  void cancelTimed() {
    for (WorkerTimedTask t : timedSnapshot()) {
      t.cancelArmed();
    }
  }

  // ---- Disposable ----

  /**
   * Cancels every pending task of this worker (queued or armed; they never run), interrupts the
   * running one when called from another thread (unless the scheduler has interrupts off), and
   * rejects what is scheduled afterwards. Idempotent; does not wait.
   */
  @Override
  public void dispose() {
    if (!DISPOSED.compareAndSet(this, false, true)) {
      return;
    }
    owner.workers.remove(this);
    for (WorkerTimedTask t : timedSnapshot()) {
      t.dispose();
    }
    StrandTask c = current;
    if (c instanceof Disposable) {
      ((Disposable) c).dispose();
    }
    dropAll();
  }

  @Override
  public boolean isDisposed() {
    return disposed;
  }

  // ---- Scannable ----

  @Override
  @SuppressWarnings("rawtypes") // Scannable declares the raw type
  public @Nullable Object scanUnsafe(Attr key) {
    if (key == Attr.NAME) {
      return owner.name() + ".worker";
    }
    if (key == Attr.PARENT || key == Attr.RUN_ON) {
      return owner;
    }
    if (key == Attr.BUFFERED) {
      return queue.size();
    }
    if (key == Attr.TERMINATED || key == Attr.CANCELLED) {
      return disposed;
    }
    if (key == Attr.RUN_STYLE) {
      return Attr.RunStyle.ASYNC;
    }
    return null;
  }

  @Override
  public String toString() {
    return owner.name() + ".worker" + (disposed ? "(disposed)" : "");
  }

  private static final VarHandle WIP;
  private static final VarHandle DISPOSED;

  static {
    try {
      MethodHandles.Lookup l = MethodHandles.lookup();
      WIP = l.findVarHandle(StrandWorker.class, "wip", int.class);
      DISPOSED = l.findVarHandle(StrandWorker.class, "disposed", boolean.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }
}
