package dev.cmwq.rxjava3;

import dev.cmwq.ManualTimeSource;
import dev.cmwq.TimeSource;
import dev.cmwq.Workqueue;
import dev.cmwq.WorkqueueRuntime;
import io.reactivex.rxjava3.core.Completable;
import io.reactivex.rxjava3.disposables.Disposable;
import java.util.Objects;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link WorkqueueScheduler} on a runtime with a {@link ManualTimeSource}, driven by hand like
 * RxJava's {@code TestScheduler}: delayed tasks wait until {@link #advanceTimeBy} or {@link
 * #advanceTimeTo} moves the clock past their deadline. Unlike {@code TestScheduler}, the tasks run
 * on the runtime's real worker threads, through the real workqueue, timer wheel and concurrency
 * management; the advancing call returns only when they have run.
 *
 * <pre>{@code
 * try (CmwqTestScheduler s = CmwqTestScheduler.create()) {
 *   TestObserver<Long> o = Observable.interval(1, TimeUnit.SECONDS, s).take(3).test();
 *   s.advanceTimeBy(2, TimeUnit.SECONDS);
 *   o.assertValues(0L, 1L);
 *   s.advanceTimeBy(1, TimeUnit.SECONDS);
 *   o.assertValues(0L, 1L, 2L).assertComplete();
 * }
 * }</pre>
 *
 * <h2>What advancing runs</h2>
 *
 * {@link #advanceTimeTo} steps the clock through the deadlines of the tasks scheduled on this
 * scheduler (and its workers) in order, up to the target. At each step it fires what is due and
 * waits until the workqueue is quiet: every task due, and every task those tasks scheduled without
 * delay, has run. A task that schedules another with a delay inside the span is therefore run at
 * its own step, as {@code TestScheduler} does (so {@code interval} ticks every period, and a
 * {@code delay} after a {@code timer} lands where it should). Work armed on the same runtime by
 * other means fires as the steps pass its deadline.
 *
 * <p>The clock only moves forward; {@link #now(TimeUnit)} starts at 0 for {@link #create()}.
 * Advancing is serialised: concurrent calls run one after another. Do not advance from one of the
 * scheduler's own tasks: waiting for the workqueue from inside it would wait for itself, and
 * throws {@link IllegalStateException}. A task that never returns makes advancing wait for it.
 *
 * <h2>Lifecycle</h2>
 *
 * As {@link WorkqueueScheduler}; {@link #shutdown()} (or {@link #close()}) also shuts down the
 * runtime if this scheduler created it.
 */
public final class CmwqTestScheduler extends WorkqueueScheduler implements AutoCloseable {

  /** I: the clock it advances. */
  private final ManualTimeSource clock;
  /** I: the runtime, shut down with this scheduler if {@link #ownsRuntime}. */
  private final WorkqueueRuntime runtime;
  /** I */
  private final boolean ownsRuntime;
  /** I: the scheduler that does the work; its probe is this. */
  private final CmwqScheduler delegate;
  /** I: the clock reading when created; deadlines are kept relative to it, so they sort without wrap-around. */
  private final long origin;
  /** A: counts every queueing of an item to run now, to tell when the workqueue is quiet. */
  private final AtomicLong queued = new AtomicLong();
  /** A: deadlines (relative to {@link #origin}) of the tasks armed on the timer; stale ones are harmless steps. */
  private final ConcurrentSkipListSet<Long> deadlines = new ConcurrentSkipListSet<>();

  private CmwqTestScheduler(Workqueue wq, ManualTimeSource clock, boolean ownsRuntime, boolean interruptOnDispose) {
    this.clock = clock;
    this.runtime = wq.runtime();
    this.ownsRuntime = ownsRuntime;
    this.origin = clock.nanoTime();
    this.delegate =
        new CmwqScheduler(
            wq,
            interruptOnDispose,
            false,
            new CmwqScheduler.VirtualTimeProbe() {
              @Override
              public void queued() {
                queued.incrementAndGet();
              }

              @Override
              public void armed(long deadlineNanos) {
                deadlines.add(deadlineNanos - origin);
              }
            });
  }

  /**
   * Returns: a test scheduler on the bound {@code events} workqueue of a new runtime with a manual
   * clock at 0 (default CPU slots and thread names). The runtime is shut down with the scheduler.
   */
  public static CmwqTestScheduler create() {
    return create(WorkqueueRuntime.builder());
  }

  /**
   * Returns: a test scheduler on the bound {@code events} workqueue of a new runtime built by
   * {@code builder}, whose time source is replaced by a manual clock at 0. The runtime is shut down
   * with the scheduler.
   */
  public static CmwqTestScheduler create(WorkqueueRuntime.Builder builder) {
    ManualTimeSource clock = new ManualTimeSource();
    WorkqueueRuntime rt = Objects.requireNonNull(builder, "builder").timeSource(clock).build();
    return new CmwqTestScheduler(rt.systemWq(), clock, true, true);
  }

  /**
   * Returns: a test scheduler on {@code wq}, whose runtime must have been built with a {@link
   * ManualTimeSource}. The runtime and the workqueue are left as they are on shutdown.
   *
   * @throws IllegalArgumentException if the runtime's time source is not a {@link ManualTimeSource}
   */
  public static CmwqTestScheduler from(Workqueue wq) {
    return from(wq, true);
  }

  /** As {@link #from(Workqueue)}, with interrupts on dispose as {@link CmwqSchedulers#fromWorkqueue(Workqueue, boolean)}. */
  public static CmwqTestScheduler from(Workqueue wq, boolean interruptOnDispose) {
    TimeSource ts = Objects.requireNonNull(wq, "wq").runtime().timeSource();
    if (!(ts instanceof ManualTimeSource)) {
      throw new IllegalArgumentException(
          "the runtime of workqueue " + wq.name() + " must use a ManualTimeSource, not " + ts);
    }
    return new CmwqTestScheduler(wq, (ManualTimeSource) ts, false, interruptOnDispose);
  }

  /**
   * Moves the clock forward by {@code delayTime} and runs what became due, in deadline order (see
   * the class comment); returns when it has all run.
   *
   * @throws IllegalArgumentException if {@code delayTime} is negative
   * @throws IllegalStateException if called from one of this scheduler's tasks, or interrupted
   */
  public void advanceTimeBy(long delayTime, TimeUnit unit) {
    if (delayTime < 0) {
      throw new IllegalArgumentException("delayTime must not be negative: " + delayTime + " " + unit);
    }
    advanceToNanos(clock.nanoTime() + unit.toNanos(delayTime));
  }

  /**
   * Moves the clock to {@code delayTime} (on the scale of {@link #now(TimeUnit)}) and runs what
   * became due, in deadline order; returns when it has all run.
   *
   * @throws IllegalArgumentException if that is before now: the clock never goes back
   * @throws IllegalStateException if called from one of this scheduler's tasks, or interrupted
   */
  public void advanceTimeTo(long delayTime, TimeUnit unit) {
    advanceToNanos(unit.toNanos(delayTime));
  }

  /**
   * Runs what is due now, and what that schedules without delay, without moving the clock;
   * returns when it has all run.
   *
   * @throws IllegalStateException if called from one of this scheduler's tasks, or interrupted
   */
  public void triggerActions() {
    advanceToNanos(clock.nanoTime());
  }

  private synchronized void advanceToNanos(long target) {
    long targetRel = target - origin;
    if (target - clock.nanoTime() < 0) {
      throw new IllegalArgumentException(
          "the clock cannot go back: now " + clock.nanoTime() + " ns, asked for " + target + " ns");
    }
    awaitQuiet();
    for (;; ) {
      Long next = deadlines.pollFirst();
      if (next == null) {
        break;
      }
      if (next > targetRel) {
        deadlines.add(next); // beyond the target: keep it for a later advance
        break;
      }
      moveClockTo(next);
      awaitQuiet();
    }
    moveClockTo(targetRel);
    awaitQuiet();
  }

  private void moveClockTo(long rel) {
    long by = rel - (clock.nanoTime() - origin);
    if (by > 0) {
      clock.advanceNanos(by); // fires what is due on this thread: it is queued when this returns
    }
  }

  /**
   * Waits until the workqueue is quiet: a flush that saw no new queueing by this scheduler while it
   * waited. A flush waits for every item queued before it, and an item queued during it by one of
   * those items is counted before that item returns, so an unchanged count means nothing is left.
   */
  private void awaitQuiet() {
    Workqueue wq = delegate.workqueue();
    try {
      for (;;) {
        long before = queued.get();
        wq.flush();
        if (queued.get() == before) {
          return;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the workqueue " + wq.name(), e);
    }
  }

  /** Returns: the manual clock this scheduler advances. */
  public ManualTimeSource clock() {
    return clock;
  }

  /** Returns: the runtime the tasks run on. */
  public WorkqueueRuntime runtime() {
    return runtime;
  }

  // ---- the Scheduler: delegated ----

  @Override
  public Workqueue workqueue() {
    return delegate.workqueue();
  }

  @Override
  public Completable flush() {
    return delegate.flush();
  }

  @Override
  public Completable drain() {
    return delegate.drain();
  }

  @Override
  public boolean interruptsOnDispose() {
    return delegate.interruptsOnDispose();
  }

  @Override
  public boolean isShutdown() {
    return delegate.isShutdown();
  }

  @Override
  public Worker createWorker() {
    return delegate.createWorker();
  }

  @Override
  public long now(TimeUnit unit) {
    return delegate.now(unit);
  }

  @Override
  public Disposable scheduleDirect(Runnable run) {
    return delegate.scheduleDirect(run);
  }

  @Override
  public Disposable scheduleDirect(Runnable run, long delay, TimeUnit unit) {
    return delegate.scheduleDirect(run, delay, unit);
  }

  @Override
  public Disposable schedulePeriodicallyDirect(Runnable run, long initialDelay, long period, TimeUnit unit) {
    return delegate.schedulePeriodicallyDirect(run, initialDelay, period, unit);
  }

  /**
   * Shuts the scheduler down (see {@link WorkqueueScheduler#shutdown()}) and, if {@link #create()}
   * made the runtime, shuts the runtime down too (without waiting for its threads; see {@link
   * WorkqueueRuntime#awaitTermination}).
   */
  @Override
  public void shutdown() {
    delegate.shutdown();
    if (ownsRuntime) {
      runtime.shutdown();
    }
  }

  /**
   * As {@link #shutdown()}, then, if {@link #create()} made the runtime, waits up to 10 s for its
   * threads to end, so a test that checks for leftover threads can close and check. Keeps the
   * caller's interrupt status.
   */
  @Override
  public void close() {
    shutdown();
    if (ownsRuntime) {
      try {
        runtime.awaitTermination(java.time.Duration.ofSeconds(10));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public String toString() {
    return "CmwqTestScheduler{" + delegate + ", now " + clock.nanoTime() + " ns}";
  }
}
