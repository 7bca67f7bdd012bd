package dev.cmwq.rxjava3;

import dev.cmwq.DelayedWork;
import dev.cmwq.TimeSource;
import dev.cmwq.Work;
import dev.cmwq.Workqueue;
import io.reactivex.rxjava3.core.Completable;
import io.reactivex.rxjava3.disposables.Disposable;
import io.reactivex.rxjava3.plugins.RxJavaPlugins;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The one implementation of {@link WorkqueueScheduler}: direct tasks are {@link DirectTask}s,
 * workers are {@link StrandWorker}s, both queued on {@link #wq}. Every queueing goes through
 * {@link #queue} or {@link #arm}, so a {@link VirtualTimeProbe} sees all of it.
 */
final class CmwqScheduler extends WorkqueueScheduler {

  private static final System.Logger LOG = System.getLogger(CmwqScheduler.class.getName());

  /**
   * What {@link CmwqTestScheduler} needs to know to drive virtual time: every queueing of an item
   * to run now, and every arming of the timer with its deadline. Called before the queueing.
   */
  interface VirtualTimeProbe {
    /** An item is about to be queued to run now. */
    void queued();

    /** An item is about to be armed to fire at {@code deadlineNanos} on the runtime's clock. */
    void armed(long deadlineNanos);
  }

  /** I: where the tasks run. */
  private final Workqueue wq;
  /** I: the runtime's clock, for now() and the periodic schedule. */
  private final TimeSource clock;
  /** I: dispose of a running task from another thread interrupts it. */
  private final boolean interruptOnDispose;
  /** I: the scheduler created {@link #wq} and destroys it on shutdown. */
  private final boolean ownsWorkqueue;
  /** I: null outside {@link CmwqTestScheduler}. */
  private final @Nullable VirtualTimeProbe probe;
  /** A: set once by {@link #shutdown()}; read by every schedule call and every task run. */
  private volatile boolean shutdown;

  CmwqScheduler(Workqueue wq, boolean interruptOnDispose, boolean ownsWorkqueue, @Nullable VirtualTimeProbe probe) {
    this.wq = Objects.requireNonNull(wq, "wq");
    this.clock = wq.runtime().timeSource();
    this.interruptOnDispose = interruptOnDispose;
    this.ownsWorkqueue = ownsWorkqueue;
    this.probe = probe;
  }

  @Override
  public Workqueue workqueue() {
    return wq;
  }

  @Override
  public boolean interruptsOnDispose() {
    return interruptOnDispose;
  }

  @Override
  public boolean isShutdown() {
    return shutdown;
  }

  @Override
  public Worker createWorker() {
    return new StrandWorker(this);
  }

  @Override
  public long now(TimeUnit unit) {
    return unit.convert(clock.nanoTime(), TimeUnit.NANOSECONDS);
  }

  /** Returns: the runtime's clock, in nanoseconds. */
  long nanoTime() {
    return clock.nanoTime();
  }

  @Override
  public Disposable scheduleDirect(Runnable run) {
    Runnable decorated = RxJavaPlugins.onSchedule(run);
    if (shutdown) {
      return Disposable.disposed();
    }
    return submit(new DirectTask(decorated, this), 0);
  }

  @Override
  public Disposable scheduleDirect(Runnable run, long delay, TimeUnit unit) {
    Runnable decorated = RxJavaPlugins.onSchedule(run);
    if (shutdown) {
      return Disposable.disposed();
    }
    return submit(new DirectTask(decorated, this), clampDelay(unit.toNanos(delay)));
  }

  @Override
  public Disposable schedulePeriodicallyDirect(Runnable run, long initialDelay, long period, TimeUnit unit) {
    Runnable decorated = RxJavaPlugins.onSchedule(run);
    if (shutdown) {
      return Disposable.disposed();
    }
    long delay = clampDelay(unit.toNanos(initialDelay));
    PeriodicDirectTask task = new PeriodicDirectTask(decorated, this, clampDelay(unit.toNanos(period)), clock.nanoTime() + delay);
    return submit(task, delay);
  }

  /**
   * Returns: {@code nanos} limited to [0, 2^61] (about 73 years), so that deadlines computed from
   * it compare safely as {@code a - b} on the wrapping clock. Negative delays mean "now", as in
   * RxJava's own schedulers.
   */
  static long clampDelay(long nanos) {
    return nanos <= 0 ? 0 : Math.min(nanos, MAX_DELAY_NANOS);
  }

  /** The longest delay honoured, 2^61 ns (about 73 years); longer ones are that long. */
  static final long MAX_DELAY_NANOS = 1L << 61;

  private Disposable submit(DirectTask task, long delayNanos) {
    try {
      if (arm(task, delayNanos)) {
        return task;
      }
    } catch (RejectedExecutionException e) {
      task.rejected();
      RxJavaPlugins.onError(e);
      return Disposable.disposed();
    }
    task.rejected(); // a fresh item is never pending: only a disabled one could refuse
    return Disposable.disposed();
  }

  /**
   * Queues {@code work} on the workqueue to run now.
   *
   * @return as {@link Workqueue#queueWork}: false if it was already pending
   * @throws RejectedExecutionException as {@link Workqueue#queueWork}
   */
  boolean queue(Work work) {
    VirtualTimeProbe p = probe;
    if (p != null) {
      p.queued();
    }
    return wq.queueWork(work);
  }

  /**
   * Arms {@code work} to be queued after {@code delayNanos} (never early), or queues it now if the
   * delay is not positive.
   *
   * @return as {@link Workqueue#queueDelayedWork(DelayedWork, long, TimeUnit)}
   * @throws RejectedExecutionException as {@link Workqueue#queueDelayedWork(DelayedWork, long, TimeUnit)}
   */
  boolean arm(DelayedWork work, long delayNanos) {
    if (delayNanos <= 0) {
      return queue(work);
    }
    VirtualTimeProbe p = probe;
    if (p != null) {
      p.armed(clock.nanoTime() + delayNanos);
    }
    return wq.queueDelayedWork(work, delayNanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public Completable flush() {
    return Completable.defer(() -> Completable.fromCompletionStage(wq.flushAsync()));
  }

  @Override
  public Completable drain() {
    return Completable.defer(() -> Completable.fromCompletionStage(wq.drainAsync()));
  }

  @Override
  public void shutdown() {
    if (shutdown) {
      return;
    }
    shutdown = true;
    if (ownsWorkqueue) {
      destroyOwned();
    }
  }

  /**
   * Starts destroying the owned workqueue and returns: {@link Workqueue#destroyAsync()} rejects
   * new items at once and finishes once the running ones have returned, without blocking
   * shutdown(), which may be called from one of them. After the runtime has shut down it
   * completes too. A destroy that fails (its drain failed) is logged; there is no caller to tell.
   */
  private void destroyOwned() {
    wq.destroyAsync() // never a system workqueue: newOrdered made it
        .whenComplete(
            (v, e) -> {
              if (e != null) {
                LOG.log(System.Logger.Level.WARNING, "cmwq: could not destroy workqueue " + wq.name(), e);
              }
            });
  }

  @Override
  public String toString() {
    String kind = wq.isOrdered() ? "ordered" : wq.isUnbound() ? "unbound" : "bound";
    return "WorkqueueScheduler{" + wq.name() + ", " + kind + (shutdown ? ", shut down" : "") + "}";
  }
}
