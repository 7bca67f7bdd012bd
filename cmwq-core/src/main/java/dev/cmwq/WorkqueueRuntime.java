package dev.cmwq;

import dev.cmwq.internal.RuntimeCore;
import dev.cmwq.internal.WorkqueueStruct;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadFactory;
import org.jspecify.annotations.Nullable;

/**
 * One instance of the workqueue "kernel": per-CPU worker pools (normal and highpri), shared
 * unbound pools, the timer for delayed work, and the system workqueues. {@link #global()} is the
 * default; build isolated ones for tests and containers with {@link #builder()}.
 *
 * <p>Threads are created on demand: a runtime nobody uses has none, and an idle runtime has no
 * periodic wake-ups. Workers are daemon threads named like the kernel's kworkers:
 * {@code kworker/0:1} (CPU slot 0, worker 1), {@code kworker/0:1H} (highpri),
 * {@code kworker/u4:2} (unbound pool 4).
 *
 * <p>Lifecycle: running, then shut down for good by {@link #shutdown()}; never restarted.
 * Thread-safe.
 */
public final class WorkqueueRuntime implements AutoCloseable {

  private static final class GlobalHolder {
    static final WorkqueueRuntime GLOBAL = builder().build();
  }

  private final RuntimeCore core;
  private final Workqueue systemWq;
  private final Workqueue systemHighpriWq;
  private final Workqueue systemLongWq;
  private final Workqueue systemUnboundWq;

  private WorkqueueRuntime(Builder b) {
    this.core =
        new RuntimeCore(
            b.cpus,
            b.maxWorkers,
            b.idleTimeout,
            b.cpuIntensiveThreshold,
            b.watchdogThreshold,
            b.threadFactory,
            b.threadNamePrefix,
            b.timeSource,
            b.uncaughtExceptionHandler);
    this.systemWq = Workqueue.system(this, "events", false, false, WorkqueueStruct.DFL_ACTIVE);
    this.systemHighpriWq = Workqueue.system(this, "events_highpri", false, true, WorkqueueStruct.DFL_ACTIVE);
    this.systemLongWq = Workqueue.system(this, "events_long", false, false, WorkqueueStruct.DFL_ACTIVE);
    this.systemUnboundWq = Workqueue.system(this, "events_unbound", true, false, WorkqueueStruct.MAX_ACTIVE);
  }

  /** Returns: the process-wide default runtime, built on first use with the defaults. */
  public static WorkqueueRuntime global() {
    return GlobalHolder.GLOBAL;
  }

  /** Returns: a builder for an isolated runtime. */
  public static Builder builder() {
    return new Builder();
  }

  /** Configures a runtime. Not thread-safe. */
  public static final class Builder {
    private int cpus = Runtime.getRuntime().availableProcessors();
    private int maxWorkers = 1024;
    private Duration idleTimeout = Duration.ofMinutes(5);
    private Duration cpuIntensiveThreshold = Duration.ofMillis(10);
    private Duration watchdogThreshold = Duration.ofSeconds(30);
    private ThreadFactory threadFactory = Thread::new;
    private String threadNamePrefix = "kworker/";
    private TimeSource timeSource = TimeSource.system();
    private Thread.@Nullable UncaughtExceptionHandler uncaughtExceptionHandler;

    private Builder() {}

    /** CPU slots, each with its own pools; default {@code availableProcessors()}. */
    public Builder cpus(int cpus) {
      if (cpus < 1) {
        throw new IllegalArgumentException("cpus must be at least 1: " + cpus);
      }
      this.cpus = cpus;
      return this;
    }

    /** The cap on pool workers, all pools together (rescuers excluded); default 1024. */
    public Builder maxWorkers(int maxWorkers) {
      if (maxWorkers < 1) {
        throw new IllegalArgumentException("maxWorkers must be at least 1: " + maxWorkers);
      }
      this.maxWorkers = maxWorkers;
      return this;
    }

    /** How long a spare idle worker lives before it exits; default 5 minutes. */
    public Builder idleTimeout(Duration idleTimeout) {
      this.idleTimeout = positive(idleTimeout, "idleTimeout");
      return this;
    }

    /** How long one item may run before it counts as CPU-intensive; default 10 ms, 0 disables. */
    public Builder cpuIntensiveThreshold(Duration threshold) {
      this.cpuIntensiveThreshold = notNegative(threshold, "cpuIntensiveThreshold");
      return this;
    }

    /** How long a pool's worklist may stand still before a lockup is reported; default 30 s, 0 disables. */
    public Builder watchdogThreshold(Duration threshold) {
      this.watchdogThreshold = notNegative(threshold, "watchdogThreshold");
      return this;
    }

    /**
     * Makes worker threads. The runtime names them, makes them daemons, sets their priority and,
     * unless the factory set one, their uncaught-exception handler.
     */
    public Builder threadFactory(ThreadFactory threadFactory) {
      this.threadFactory = Objects.requireNonNull(threadFactory, "threadFactory");
      return this;
    }

    /** The start of every thread name; default {@code kworker/}. */
    public Builder threadNamePrefix(String prefix) {
      this.threadNamePrefix = Objects.requireNonNull(prefix, "threadNamePrefix");
      return this;
    }

    /** Where delays are measured; default {@link TimeSource#system()}. */
    public Builder timeSource(TimeSource timeSource) {
      this.timeSource = Objects.requireNonNull(timeSource, "timeSource");
      return this;
    }

    /**
     * Receives what work items throw, on the worker thread. Default: a {@link System.Logger}
     * error naming the workqueue, unless the thread factory set a handler.
     */
    public Builder uncaughtExceptionHandler(Thread.UncaughtExceptionHandler handler) {
      this.uncaughtExceptionHandler = Objects.requireNonNull(handler, "handler");
      return this;
    }

    /** Returns: a new, running runtime. */
    public WorkqueueRuntime build() {
      return new WorkqueueRuntime(this);
    }

    private static Duration positive(Duration d, String what) {
      Objects.requireNonNull(d, what);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(what + " must be positive: " + d);
      }
      return d;
    }

    private static Duration notNegative(Duration d, String what) {
      Objects.requireNonNull(d, what);
      if (d.isNegative()) {
        throw new IllegalArgumentException(what + " must not be negative: " + d);
      }
      return d;
    }
  }

  RuntimeCore core() {
    return core;
  }

  /**
   * Returns: what is not at rest right now (work queued or running, workers busy, timers
   * armed); empty when the runtime is idle. Advisory, for tests and diagnostics.
   */
  public java.util.List<String> checkAtRest() {
    return core.checkAtRest();
  }

  /**
   * Returns: whether no work item is queued, held back or running anywhere in the runtime; armed
   * timers do not count. Advisory: for tests and virtual-time drivers that wait for quiescence.
   */
  public boolean isIdle() {
    return core.checkWorkAtRest().isEmpty();
  }

  /**
   * Returns: the time (on {@link #timeSource()}) at which the timer next has something to do,
   * never later than the earliest armed deadline; empty when nothing is armed. A virtual-time
   * driver advances a {@link ManualTimeSource} to it step by step.
   */
  public java.util.OptionalLong nextTimerExpiry() {
    return core.nextTimerExpiry();
  }

  /** Returns: {@code events}, the bound system workqueue (kernel system_wq). */
  public Workqueue systemWq() {
    return systemWq;
  }

  /** Returns: {@code events_highpri}, bound on the highpri pools. */
  public Workqueue systemHighpriWq() {
    return systemHighpriWq;
  }

  /** Returns: {@code events_long}, bound, for items that run long. */
  public Workqueue systemLongWq() {
    return systemLongWq;
  }

  /** Returns: {@code events_unbound}, unbound, max_active 2048. */
  public Workqueue systemUnboundWq() {
    return systemUnboundWq;
  }

  /** Returns: the number of CPU slots. */
  public int cpus() {
    return core.cpus();
  }

  /** Returns: the cap on pool workers, all pools together, as built. Thread-safe; valid after shutdown. */
  public int maxWorkers() {
    return core.maxWorkers();
  }

  /** Returns: how long a spare idle worker lives before it exits, as built. */
  public Duration idleTimeout() {
    return Duration.ofNanos(core.idleTimeoutNanos());
  }

  /** Returns: how long one item may run before it counts as CPU-intensive; zero if disabled. */
  public Duration cpuIntensiveThreshold() {
    return Duration.ofNanos(core.cpuIntensiveThresholdNanos());
  }

  /** Returns: how long a worklist may stand still before the watchdog reports it; zero if disabled. */
  public Duration watchdogThreshold() {
    return Duration.ofNanos(core.watchdogThresholdNanos());
  }

  /** Returns: the time source delays are measured on. */
  public TimeSource timeSource() {
    return core.timeSource();
  }

  /** Returns: pool worker threads alive now (rescuers and the timer thread excluded). */
  public int workerCount() {
    return core.workerCount();
  }

  /**
   * Returns: the workqueues of this runtime that are not destroyed, system ones first, in
   * creation order. A snapshot.
   */
  public java.util.List<Workqueue> workqueues() {
    java.util.List<Workqueue> out = new java.util.ArrayList<>();
    for (dev.cmwq.internal.WorkqueueStruct s : core.workqueues()) {
      Object f = s.facade;
      if (f instanceof Workqueue && !s.isDestroyed()) {
        out.add((Workqueue) f);
      }
    }
    return out;
  }

  /** Copy-on-write: added and removed rarely, read on every Workqueue.Builder.build(). */
  private final java.util.concurrent.CopyOnWriteArrayList<java.util.function.Consumer<Workqueue>> createdListeners =
      new java.util.concurrent.CopyOnWriteArrayList<>();

  /**
   * Calls {@code listener} with every workqueue built on this runtime from now on, on the thread
   * that builds it, right after it is built (for example to add its meters). A listener that
   * throws does not stop the build; the failure is logged.
   */
  public void addWorkqueueListener(java.util.function.Consumer<Workqueue> listener) {
    createdListeners.add(Objects.requireNonNull(listener, "listener"));
  }

  /** Removes a listener added with {@link #addWorkqueueListener}. Returns: true if it was there. */
  public boolean removeWorkqueueListener(java.util.function.Consumer<Workqueue> listener) {
    return createdListeners.remove(listener);
  }

  void workqueueCreated(Workqueue wq) {
    for (java.util.function.Consumer<Workqueue> l : createdListeners) {
      try {
        l.accept(wq);
      } catch (RuntimeException e) {
        System.getLogger("dev.cmwq").log(System.Logger.Level.WARNING, "cmwq: a workqueue listener threw", e);
      }
    }
  }

  /** Returns: the pool workers by state right now. */
  public WorkerCounts workers() {
    int[] c = core.workerStates();
    return new WorkerCounts(c[0], c[1], c[2]);
  }

  /** Returns: how many lockups the watchdog has reported (pools stuck past the threshold). */
  public long watchdogLockups() {
    return core.lockups();
  }

  /**
   * Returns: a text dump of pools, workers and workqueues in the spirit of the kernel's
   * {@code wq_dump.py} and {@code show_all_workqueues}.
   */
  public String dump() {
    return core.dump();
  }

  /**
   * Freezes the {@link Workqueue.Builder#freezable() freezable} workqueues (kernel
   * {@code freeze_workqueues_begin}): they start no new items, which wait in order; running items
   * finish. Other workqueues are untouched.
   *
   * @return a future completing when no freezable workqueue runs an item; completed
   *     exceptionally with {@link java.util.concurrent.CancellationException} if
   *     {@link #thaw()} comes first
   */
  public CompletableFuture<Void> freeze() {
    return core.freeze();
  }

  /** Resumes frozen workqueues, starting what they held back in order. No-op if not frozen. */
  public void thaw() {
    core.thaw();
  }

  /**
   * Shuts down: new items are rejected, armed delayed items are cancelled, and the workers exit
   * once the items already queued have run. Does not wait; see {@link #awaitTermination}.
   * Idempotent.
   */
  public void shutdown() {
    core.shutdown();
  }

  /** Returns: whether {@link #shutdown()} was called. */
  public boolean isShutdown() {
    return core.isShutdown();
  }

  /**
   * Waits for every worker and the timer thread to exit after {@link #shutdown()}.
   *
   * @return true if they all exited within {@code timeout}
   */
  public boolean awaitTermination(Duration timeout) throws InterruptedException {
    return core.awaitTermination(Objects.requireNonNull(timeout, "timeout"));
  }

  /** Same as {@link #shutdown()}. */
  @Override
  public void close() {
    shutdown();
  }
}
