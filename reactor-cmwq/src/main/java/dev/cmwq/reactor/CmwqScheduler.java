package dev.cmwq.reactor;

import dev.cmwq.ManualTimeSource;
import dev.cmwq.TimeSource;
import dev.cmwq.Work;
import dev.cmwq.Workqueue;
import dev.cmwq.Workqueues;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.Exceptions;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The one {@link WorkqueueScheduler} implementation: every variant (bound, highpri, unbound,
 * ordered, any workqueue) differs only in the workqueue it queues on and in what
 * {@link #dispose()} does to that workqueue.
 *
 * <h2>Exclusion rules</h2>
 *
 * <pre>
 *   I   set in the constructor, then read-only
 *   S   written under this object's monitor, read racily (volatile)
 *   A   increment-only counters (LongAdder), read with sum()
 * </pre>
 *
 * <h2>Accounting</h2>
 *
 * Three increment-only counters decide when a drain or a disposal is over. A task is
 * <em>counted</em> while it is queued or running: an immediate task ({@code schedule(r)},
 * {@code Worker.schedule(r)}) from its acceptance, a timed task (delayed or periodic) only from
 * when its timer fired and it is about to run; a task armed on the timer is not counted, so a
 * drain or a graceful disposal never waits for a timer.
 *
 * <ul>
 *   <li>{@link #accepted}: counted in. Incremented <em>before</em> the lifecycle state is read,
 *       so a disposer that later finds {@code finished == accepted} has seen the increment.
 *   <li>{@link #started}: left the queue (started, or cancelled while queued). Only for
 *       {@code Scannable.Attr.BUFFERED} = accepted - started.
 *   <li>{@link #finished}: counted out (ran, skipped or cancelled), exactly once per task, by
 *       whoever took it out of its last state.
 * </ul>
 *
 * {@link #tryTerminate()} reads {@code finished} first and {@code accepted} second. Both only
 * grow, so {@code f <= finished(t) <= accepted(t) <= a} at the moment {@code t} between the two
 * reads; {@code f == a} therefore proves that nothing was outstanding at {@code t}. Once the
 * state is past {@link #RUNNING} only a running task of this scheduler could count a new one in
 * (the others are rejected), and none is running, so the zero is final.
 *
 * <h2>Lifecycle</h2>
 *
 * {@link #RUNNING} ⇄ {@link #DRAINING}; {@link #RUNNING}/{@link #DRAINING} → {@link #GRACEFUL}
 * → {@link #DISPOSED} → {@link #TERMINATED}, never back. Transitions happen under this
 * object's monitor; the hot paths only read {@link #state}.
 */
final class CmwqScheduler implements WorkqueueScheduler {

  private static final System.Logger LOG = System.getLogger(CmwqScheduler.class.getName());

  /** Accepting tasks from anyone. */
  static final int RUNNING = 0;
  /** drain(): only this scheduler's own tasks may schedule until nothing is outstanding. */
  static final int DRAINING = 1;
  /** disposeGracefully(): as DRAINING, delayed and periodic tasks cancelled, then terminate. */
  static final int GRACEFUL = 2;
  /** dispose(): nothing new is accepted and nothing that has not started runs. */
  static final int DISPOSED = 3;
  /** Nothing outstanding, the owned workqueue destroyed. */
  static final int TERMINATED = 4;

  final Workqueue wq; // I
  final TimeSource clock; // I: the runtime's time source
  private final long epochOffsetNanos; // I: now(ms) = clock + offset; 0 on a manual clock
  private final String name; // I
  private final boolean owned; // I: dispose destroys wq
  private final boolean shared; // I: dispose and disposeGracefully do nothing
  final boolean interruptOnDispose; // I

  volatile int state; // S

  final LongAdder accepted = new LongAdder(); // A
  final LongAdder started = new LongAdder(); // A
  final LongAdder finished = new LongAdder(); // A

  /** Live workers, so that dispose() and flush() reach them. Removed on worker dispose. */
  final Set<StrandWorker> workers = ConcurrentHashMap.newKeySet();
  /** Live direct periodic tasks, so that dispose() stops them at once. */
  final Set<PeriodicTask> periodics = ConcurrentHashMap.newKeySet();

  private final CompletableFuture<Void> terminated = new CompletableFuture<>();
  private @Nullable CompletableFuture<Void> drained; // S: non-null while DRAINING
  private boolean terminating; // S

  CmwqScheduler(Workqueue wq, String name, boolean owned, boolean shared, boolean interruptOnDispose) {
    this.wq = Objects.requireNonNull(wq, "wq");
    this.clock = wq.runtime().timeSource();
    this.epochOffsetNanos =
        clock instanceof ManualTimeSource
            ? 0
            : TimeUnit.MILLISECONDS.toNanos(System.currentTimeMillis()) - clock.nanoTime();
    this.name = name;
    this.owned = owned;
    this.shared = shared;
    this.interruptOnDispose = interruptOnDispose;
  }

  // ---- WorkqueueScheduler ----

  @Override
  public Workqueue workqueue() {
    return wq;
  }

  @Override
  public boolean ownsWorkqueue() {
    return owned;
  }

  @Override
  public boolean interruptsOnDispose() {
    return interruptOnDispose;
  }

  @Override
  public Disposable schedule(Runnable task) {
    Objects.requireNonNull(task, "task");
    Runnable r = Schedulers.onSchedule(task);
    admit();
    DirectTask t = new DirectTask(this, r, true);
    try {
      wq.queueWork(t); // a new item is never pending: true
    } catch (RejectedExecutionException e) {
      t.rejected();
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
    Runnable r = Schedulers.onSchedule(task);
    admitTimed();
    DirectTask t = new DirectTask(this, r, false);
    try {
      wq.queueDelayedWork(t, nanos, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      t.dispose();
      throw Exceptions.failWithRejected();
    }
    return t;
  }

  @Override
  public Disposable schedulePeriodically(Runnable task, long initialDelay, long period, TimeUnit unit) {
    Objects.requireNonNull(task, "task");
    long first = Math.max(0, unit.toNanos(initialDelay));
    long every = Math.max(0, unit.toNanos(period));
    Runnable r = Schedulers.onSchedule(task);
    admitTimed();
    PeriodicTask p = new PeriodicTask(this, r, clock.nanoTime() + first, every);
    periodics.add(p);
    if (state >= GRACEFUL) { // dispose() may have walked the set before the add
      p.stop(false);
      throw Exceptions.failWithRejected();
    }
    try {
      wq.queueDelayedWork(p, first, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      p.stop(false);
      throw Exceptions.failWithRejected();
    }
    return p;
  }

  @Override
  public Worker createWorker() {
    StrandWorker w = new StrandWorker(this);
    if (state >= DISPOSED) {
      w.dispose(); // a disposed worker: its schedule() rejects
      return w;
    }
    workers.add(w);
    if (state >= DISPOSED) { // dispose() may have walked the set before the add
      w.dispose();
    }
    return w;
  }

  @Override
  public long now(TimeUnit unit) {
    long t = clock.nanoTime();
    if (unit.compareTo(TimeUnit.MILLISECONDS) >= 0) {
      return unit.convert(t + epochOffsetNanos, TimeUnit.NANOSECONDS);
    }
    return unit.convert(t, TimeUnit.NANOSECONDS);
  }

  @Override
  public Mono<Void> flush() {
    return Mono.defer(
        () -> {
          List<CompletableFuture<?>> fs = new ArrayList<>();
          fs.add(flushWorkqueue());
          for (StrandWorker w : workers) {
            CompletableFuture<Void> m = w.flushMarker();
            if (m != null) {
              fs.add(m);
            }
          }
          return Mono.fromFuture(CompletableFuture.allOf(fs.toArray(new CompletableFuture<?>[0])), true);
        });
  }

  private CompletableFuture<Void> flushWorkqueue() {
    try {
      return wq.flushAsync();
    } catch (RuntimeException e) { // a destroyed workqueue has nothing left to wait for
      return CompletableFuture.completedFuture(null);
    }
  }

  @Override
  public Mono<Void> drain() {
    return Mono.defer(() -> Mono.fromFuture(beginDrain(), true));
  }

  private CompletableFuture<Void> beginDrain() {
    CompletableFuture<Void> f;
    synchronized (this) {
      int s = state;
      if (s == DRAINING) {
        return Objects.requireNonNull(drained);
      }
      if (s != RUNNING) {
        return terminated;
      }
      f = new CompletableFuture<>();
      drained = f;
      state = DRAINING;
    }
    tryTerminate();
    return f;
  }

  // ---- lifecycle ----

  @Override
  public void init() {
    if (isDisposed()) {
      throw new IllegalStateException("Can't init a disposed scheduler: " + name);
    }
  }

  @Override
  public boolean isDisposed() {
    return state >= GRACEFUL || wq.isDestroyed() || wq.runtime().isShutdown();
  }

  @Override
  public void dispose() {
    if (shared) {
      return;
    }
    synchronized (this) {
      if (state >= DISPOSED) {
        return;
      }
      state = DISPOSED;
    }
    for (PeriodicTask p : periodics) {
      p.stop(true);
    }
    for (StrandWorker w : workers) {
      w.dispose();
    }
    tryTerminate();
  }

  @Override
  public Mono<Void> disposeGracefully() {
    if (shared) {
      return Mono.empty();
    }
    return Mono.defer(() -> Mono.fromFuture(beginGraceful(), true));
  }

  private CompletableFuture<Void> beginGraceful() {
    synchronized (this) {
      if (state >= GRACEFUL) {
        return terminated;
      }
      state = GRACEFUL;
    }
    for (PeriodicTask p : periodics) {
      p.stop(false);
    }
    for (StrandWorker w : workers) {
      w.cancelTimed();
    }
    tryTerminate();
    return terminated;
  }

  /** Returns: the future completed when the scheduler has terminated (test support). */
  CompletableFuture<Void> terminationFuture() {
    return terminated;
  }

  // ---- accounting (see the class comment) ----

  /**
   * Counts an immediate task in, or rejects it. Call before queueing; after a successful call
   * the task must be counted out exactly once.
   *
   * @throws RejectedExecutionException {@code Exceptions.failWithRejected()} when disposed, or
   *     draining and the caller is not one of this scheduler's tasks
   */
  void admit() {
    accepted.increment(); // before the state read: see the class comment
    int s = state;
    if (s != RUNNING && !(s <= GRACEFUL && fromInside())) {
      started.increment();
      finish();
      throw Exceptions.failWithRejected();
    }
  }

  /** Rejects a new timed task unless the scheduler accepts one; counts nothing. */
  void admitTimed() {
    int s = state;
    if (s != RUNNING && !(s == DRAINING && fromInside())) {
      throw Exceptions.failWithRejected();
    }
  }

  /** A timed task is about to run (or be skipped): counted in, already out of the queue. */
  void enterTimed() {
    accepted.increment();
    started.increment();
  }

  /**
   * Returns: whether a task that has not started may still run: always while running or
   * draining; while disposing gracefully only immediate tasks (timed ones are cancelled).
   */
  boolean mayRun(boolean immediate) {
    int s = state;
    return s <= DRAINING || (s == GRACEFUL && immediate);
  }

  /** A counted task is out (ran, skipped or cancelled). */
  void finish() {
    finished.increment();
    if (state != RUNNING) {
      tryTerminate();
    }
  }

  /** Returns: whether the calling thread runs one of this scheduler's work items. */
  boolean fromInside() {
    Work w = Workqueues.currentWork();
    return w instanceof SchedulerItem && ((SchedulerItem) w).owner() == this;
  }

  /** Ends a drain or a disposal when nothing is outstanding. Cheap when something is. */
  void tryTerminate() {
    if (state == RUNNING) {
      return;
    }
    long f = finished.sum(); // finished first, accepted second: see the class comment
    long a = accepted.sum();
    if (f != a) {
      return;
    }
    CompletableFuture<Void> drainDone = null;
    boolean terminate = false;
    synchronized (this) {
      int s = state;
      if (s == DRAINING) {
        drainDone = drained;
        drained = null;
        state = RUNNING;
      } else if ((s == GRACEFUL || s == DISPOSED) && !terminating) {
        terminating = true;
        terminate = true;
      }
    }
    if (drainDone != null) {
      drainDone.complete(null);
    }
    if (terminate) {
      if (owned) {
        destroyThenTerminate();
      } else {
        terminateNow();
      }
    }
  }

  /**
   * Destroys the owned workqueue without blocking (the caller may be one of the workqueue's own
   * workers, and dispose() must not block), then terminates. Every item still on the workqueue is
   * a skipped task by now, so the destroy waits only for those; called from one of them, it
   * completes once that item has returned. If the workqueue is already destroyed, or the runtime
   * shut down, the destroy completes as soon as what is left has run.
   *
   * <p>Locking: none held. {@link #terminateNow()} may run on the calling thread (nothing left to
   * wait for) or on the worker that finishes the last item.
   */
  private void destroyThenTerminate() {
    CompletableFuture<Void> destroyed;
    try {
      destroyed = wq.destroyAsync();
    } catch (RuntimeException e) { // a system workqueue: fromWorkqueue refuses to own one
      warnNotDestroyed(e);
      terminateNow();
      return;
    }
    destroyed.whenComplete(
        (v, e) -> {
          if (e != null) {
            warnNotDestroyed(e);
          }
          terminateNow();
        });
  }

  private void warnNotDestroyed(Throwable e) {
    LOG.log(System.Logger.Level.WARNING, "cmwq: could not destroy workqueue " + wq.name() + " of " + name, e);
  }

  private void terminateNow() {
    CompletableFuture<Void> d;
    synchronized (this) {
      state = TERMINATED;
      d = drained;
      drained = null;
    }
    terminated.complete(null);
    if (d != null) {
      d.complete(null);
    }
  }

  /**
   * Hands what a task threw to the running thread's uncaught-exception handler, as Reactor's
   * own {@code Schedulers.handleError} does (its {@code onHandleError} hook is not reachable
   * from outside Reactor).
   */
  static void handleError(Throwable ex) {
    Thread t = Thread.currentThread();
    Throwable u = Exceptions.unwrap(ex);
    try {
      t.getUncaughtExceptionHandler().uncaughtException(t, u);
    } catch (Throwable again) {
      LOG.log(System.Logger.Level.ERROR, "cmwq: a Reactor task threw on " + t.getName(), u);
    }
  }

  // ---- Scannable ----

  @Override
  @SuppressWarnings("rawtypes") // Scannable declares the raw type
  public @Nullable Object scanUnsafe(Attr key) {
    if (key == Attr.NAME) {
      return name;
    }
    if (key == Attr.CAPACITY) {
      return wq.maxActive();
    }
    if (key == Attr.BUFFERED) {
      return buffered();
    }
    if (key == Attr.TERMINATED || key == Attr.CANCELLED) {
      return isDisposed();
    }
    if (key == Attr.RUN_STYLE) {
      return Attr.RunStyle.ASYNC;
    }
    return null;
  }

  /** Returns: tasks accepted and not started (queued, held back by max_active, in a worker's queue). */
  int buffered() {
    long b = accepted.sum() - started.sum();
    return (int) Math.max(0, Math.min(Integer.MAX_VALUE, b));
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String toString() {
    return name;
  }
}
