package dev.cmwq.internal;

import dev.cmwq.TimeSource;
import dev.cmwq.WorkqueueAttrs;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * One "kernel": the per-CPU pools, the unbound pool table, the timer, the worker cap and the
 * list of workqueues. {@code dev.cmwq.WorkqueueRuntime} is its public face.
 */
public final class RuntimeCore {

  static final System.Logger LOG = System.getLogger("dev.cmwq");

  /** Kernel CREATE_COOLDOWN: after a failed worker creation, wait a second before retrying. */
  static final long CREATE_COOLDOWN_NANOS = TimeUnit.SECONDS.toNanos(1);

  /** Per-thread context: the worker a thread is, and the round-robin cursor of other threads. */
  static final ThreadLocal<ThreadCtx> CTX = ThreadLocal.withInitial(ThreadCtx::new);

  static final class ThreadCtx {
    @Nullable Worker worker; // W
    /** W: counts this thread's local queueings; starts thread-derived, so threads spread over slots. */
    int rrCursor = mix(Thread.currentThread().getId());
    /** W: System.nanoTime() of this thread's last local queueing. */
    long lastLocalNanos;

    private static int mix(long id) {
      long z = id * 0x9E3779B97F4A7C15L;
      return (int) (z ^ (z >>> 32)) & Integer.MAX_VALUE;
    }
  }

  final int cpus; // I
  final int maxWorkers; // I
  final long idleTimeoutNanos; // I
  final long cpuIntensiveThresholdNanos; // I
  final long watchdogThresholdNanos; // I
  final String threadNamePrefix; // I
  private final ThreadFactory threadFactory; // I
  private final Thread.@Nullable UncaughtExceptionHandler failureHandler; // I
  final TimeSource timeSource; // I
  final TimerBase timer; // I
  final ConcurrencyManager cm; // I

  /** Live runtimes, for the periodic JFR pool statistics event only. */
  private static final java.util.Set<RuntimeCore> LIVE = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /** I: per-CPU pools, {@code [cpu * 2]} normal and {@code [cpu * 2 + 1]} highpri. */
  private final WorkerPool[] cpuPools;

  final ReentrantLock poolMutex = new ReentrantLock();
  private final Map<WorkqueueAttrs, WorkerPool> unboundPools = new HashMap<>(); // PM
  private final List<WorkqueueStruct> workqueues = new ArrayList<>(); // PM
  /** PM: workqueues with a rescuer, kept after destroy until shutdown so termination can join it. */
  private final List<WorkqueueStruct> rescued = new ArrayList<>();
  private int nextPoolId; // PM
  private boolean freezing; // PM
  private @Nullable CompletableFuture<Void> freezeDone; // PM
  private volatile boolean shutdown; // PM write, racy read

  /**
   * Threads of workers that have left their pool but may not have ended yet: a worker leaves
   * its pool (and {@link #nrWorkers}) just before its thread ends, so termination joins these.
   */
  private final java.util.Set<Thread> exiting = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /** A worker's thread is about to end. */
  void workerExiting(Thread t) {
    exiting.removeIf(x -> !x.isAlive());
    exiting.add(t);
  }

  /** A: pool workers alive or being created, against {@link #maxWorkers}. */
  private final AtomicInteger nrWorkers = new AtomicInteger();

  public RuntimeCore(
      int cpus,
      int maxWorkers,
      Duration idleTimeout,
      Duration cpuIntensiveThreshold,
      Duration watchdogThreshold,
      ThreadFactory threadFactory,
      String threadNamePrefix,
      TimeSource timeSource,
      Thread.@Nullable UncaughtExceptionHandler failureHandler) {
    this.cpus = cpus;
    this.maxWorkers = maxWorkers;
    this.idleTimeoutNanos = idleTimeout.toNanos();
    this.cpuIntensiveThresholdNanos = cpuIntensiveThreshold.toNanos();
    this.watchdogThresholdNanos = watchdogThreshold.toNanos();
    this.threadFactory = threadFactory;
    this.threadNamePrefix = threadNamePrefix;
    this.timeSource = timeSource;
    this.failureHandler = failureHandler;
    this.cpuPools = new WorkerPool[cpus * 2];
    for (int cpu = 0; cpu < cpus; cpu++) {
      cpuPools[cpu * 2] = new WorkerPool(this, nextPoolId++, cpu, false, null);
      cpuPools[cpu * 2 + 1] = new WorkerPool(this, nextPoolId++, cpu, true, null);
    }
    this.poolArray = cpuPools.clone();
    this.timer = new TimerBase(this);
    this.cm = new ConcurrencyManager(this);
    LIVE.add(this);
    Events.init();
  }

  /** The periodic JFR event: one per pool with workers, over every live runtime. */
  static void emitPoolStatistics() {
    for (RuntimeCore rt : LIVE) {
      for (WorkerPool p : rt.pools()) {
        Events.PoolStatistics e = new Events.PoolStatistics();
        p.lock.lock();
        try {
          if (p.nrWorkers == 0) {
            continue;
          }
          e.pool = p.id + " " + p.describe();
          e.workers = p.nrWorkers;
          e.idle = p.nrIdle;
          e.running = p.nrRunning;
          e.pending = !p.worklist.isEmpty();
        } finally {
          p.lock.unlock();
        }
        e.commit();
      }
    }
  }

  /** Returns: the time source's now: the clock of delayed work. */
  long now() {
    return timeSource.nanoTime();
  }

  /**
   * Returns: the clock of the runtime's own housekeeping (creation cool-down, mayday, watchdog,
   * idle timeout, the sampler). Always the system clock: a manual time source drives delayed
   * work, but workers must still be created and reaped in real time.
   */
  static long engineNow() {
    return System.nanoTime();
  }

  public TimeSource timeSource() {
    return timeSource;
  }

  public int cpus() {
    return cpus;
  }

  public int maxWorkers() {
    return maxWorkers;
  }

  public long idleTimeoutNanos() {
    return idleTimeoutNanos;
  }

  public long cpuIntensiveThresholdNanos() {
    return cpuIntensiveThresholdNanos;
  }

  public long watchdogThresholdNanos() {
    return watchdogThresholdNanos;
  }

  public boolean isShutdown() {
    return shutdown;
  }

  WorkerPool cpuPool(int cpu, boolean highpri) {
    return cpuPools[cpu * 2 + (highpri ? 1 : 0)];
  }

  /**
   * Queueings a thread that is not a bound worker makes on one CPU slot before it moves to the
   * next, while it queues at least every {@link #LOCAL_GAP_NANOS}. The kernel queues on the CPU
   * the caller runs on, which stays the same from one call to the next; a JVM thread has no such
   * CPU. A thread that queues one item and waits for it (a {@code subscribeOn} hop) should find
   * the same, still-warm worker each time; a thread that queues many items at once should spread
   * them over every slot, a run at a time; a thread that queues now and then should spread its
   * items one by one (kept on one slot, a paced producer would give each pool bursts of blocking
   * items to cover with extra workers).
   */
  static final int LOCAL_RUN = 32;

  /** Longest gap between two queueings of a thread that keeps it on its slot: about a worker's idle spin. */
  static final long LOCAL_GAP_NANOS = 50_000L;

  /**
   * The CPU slot for "local CPU" queueing: the caller's own slot if it is a bound worker, so a
   * chain of work stays on its CPU; otherwise see {@link #LOCAL_RUN}. Threads start at slots
   * spread by thread id.
   */
  int localCpu() {
    ThreadCtx c = CTX.get();
    Worker w = c.worker;
    if (w != null && w.pool.cpu >= 0 && w.pool.rt == this) {
      return w.pool.cpu;
    }
    long now = System.nanoTime();
    int cursor = c.rrCursor & Integer.MAX_VALUE;
    if (now - c.lastLocalNanos > LOCAL_GAP_NANOS) {
      cursor = (cursor / LOCAL_RUN + 1) * LOCAL_RUN & Integer.MAX_VALUE; // a pause: next slot
    }
    c.rrCursor = cursor + 1;
    c.lastLocalNanos = now;
    return (cursor / LOCAL_RUN) % cpus;
  }

  // ---- workers ----

  /** Returns: true if a worker may be created under the cap (and counts it). */
  boolean reserveWorker() {
    for (;;) {
      int n = nrWorkers.get();
      if (n >= maxWorkers) {
        return false;
      }
      if (nrWorkers.compareAndSet(n, n + 1)) {
        return true;
      }
    }
  }

  void releaseWorker() {
    nrWorkers.decrementAndGet();
  }

  /** Returns: the number of pool workers alive (the rescuers are not counted). */
  public int workerCount() {
    return nrWorkers.get();
  }

  Thread newWorkerThread(Runnable body, String name, int priority) {
    Thread t = threadFactory.newThread(body);
    if (t == null) {
      throw new IllegalStateException("the thread factory returned null");
    }
    t.setName(name);
    t.setDaemon(true);
    t.setPriority(priority);
    if (failureHandler != null) {
      t.setUncaughtExceptionHandler(failureHandler);
    } else if (t.getUncaughtExceptionHandler() == t.getThreadGroup()) {
      t.setUncaughtExceptionHandler(RuntimeCore::logFailure);
    }
    return t;
  }

  /** A work function threw: hand it to the worker thread's handler; the worker lives on. */
  void reportFailure(Thread t, WorkqueueStruct wq, Throwable failure) {
    try {
      t.getUncaughtExceptionHandler().uncaughtException(t, failure);
    } catch (Throwable again) {
      LOG.log(
          System.Logger.Level.ERROR,
          "cmwq: the uncaught-exception handler of " + t.getName() + " threw", again);
    }
  }

  private static void logFailure(Thread t, Throwable failure) {
    Worker w = CTX.get().worker;
    PoolWorkqueue pwq = w != null ? w.currentPwq : null;
    String wq = pwq != null ? pwq.wq.name : "?";
    LOG.log(
        System.Logger.Level.ERROR,
        "cmwq: a work item of workqueue " + wq + " threw on " + t.getName(), failure);
  }

  // ---- unbound pools, keyed by attributes and shared (kernel get_unbound_pool) ----

  /** Returns: the pool for {@code attrs}, created if needed, with one more reference. Locking: PM. */
  WorkerPool getUnboundPool(WorkqueueAttrs attrs) {
    assert poolMutex.isHeldByCurrentThread();
    WorkerPool p = unboundPools.get(attrs);
    if (p == null) {
      p = new WorkerPool(this, nextPoolId++, -1, attrs.nice() < 0, attrs);
      unboundPools.put(attrs, p);
      republishPools();
    }
    p.refcnt++;
    return p;
  }

  /** Drops a reference; the last one retires the pool and its workers. Locking: PM. */
  void putUnboundPool(WorkerPool p) {
    assert poolMutex.isHeldByCurrentThread();
    if (--p.refcnt == 0) {
      unboundPools.remove(p.attrs);
      republishPools();
      p.destroy();
    }
  }

  // ---- workqueues ----

  void register(WorkqueueStruct wq) {
    poolMutex.lock();
    try {
      if (shutdown) {
        throw new java.util.concurrent.RejectedExecutionException("the workqueue runtime is shut down");
      }
      workqueues.add(wq);
      if (wq.memReclaim) {
        rescued.add(wq);
      }
      if (freezing && wq.freezable) {
        wq.frozen = true;
      }
    } finally {
      poolMutex.unlock();
    }
  }

  void unregister(WorkqueueStruct wq) {
    poolMutex.lock();
    try {
      workqueues.remove(wq);
    } finally {
      poolMutex.unlock();
    }
  }

  /** Returns: a snapshot of the live workqueues. */
  public List<WorkqueueStruct> workqueues() {
    poolMutex.lock();
    try {
      return new ArrayList<>(workqueues);
    } finally {
      poolMutex.unlock();
    }
  }

  List<WorkqueueStruct> rescuedWorkqueues() {
    poolMutex.lock();
    try {
      return new ArrayList<>(rescued);
    } finally {
      poolMutex.unlock();
    }
  }

  /** PM write, volatile read: every pool, per-CPU ones first; replaced when unbound pools change. */
  private volatile WorkerPool[] poolArray;

  /** Returns: every pool, per-CPU ones first, without locking or copying (the sampler's view). */
  WorkerPool[] poolArray() {
    return poolArray;
  }

  /** Locking: PM held. */
  private void republishPools() {
    WorkerPool[] a = java.util.Arrays.copyOf(cpuPools, cpuPools.length + unboundPools.size());
    int i = cpuPools.length;
    for (WorkerPool p : unboundPools.values()) {
      a[i++] = p;
    }
    poolArray = a;
  }

  /** Returns: every pool, per-CPU ones first. */
  List<WorkerPool> pools() {
    poolMutex.lock();
    try {
      List<WorkerPool> l = new ArrayList<>(List.of(cpuPools));
      l.addAll(unboundPools.values());
      return l;
    } finally {
      poolMutex.unlock();
    }
  }

  // ---- freezing (kernel freeze_workqueues_begin / freeze_workqueues_busy / thaw_workqueues) ----

  /** Returns: a future that completes when no freezable workqueue has an active item. */
  public CompletableFuture<Void> freeze() {
    CompletableFuture<Void> f;
    poolMutex.lock();
    try {
      if (freezing) {
        return freezeDone;
      }
      freezing = true;
      f = freezeDone = new CompletableFuture<>();
      for (WorkqueueStruct wq : workqueues) {
        if (wq.freezable) {
          wq.frozen = true;
        }
      }
    } finally {
      poolMutex.unlock();
    }
    checkFreezeDone();
    return f;
  }

  /** Completes the freeze future once no freezable workqueue is busy. Locking: takes PM, then L. */
  void checkFreezeDone() {
    CompletableFuture<Void> f;
    poolMutex.lock();
    try {
      f = freezeDone;
      if (!freezing || f == null || f.isDone()) {
        return;
      }
      for (WorkqueueStruct wq : workqueues) {
        if (wq.freezable && wq.isBusyActive()) {
          return;
        }
      }
    } finally {
      poolMutex.unlock();
    }
    f.complete(null);
  }

  /** Resumes freezable workqueues, activating what they held back in order. */
  public void thaw() {
    List<WorkqueueStruct> thawed = new ArrayList<>();
    CompletableFuture<Void> f;
    poolMutex.lock();
    try {
      if (!freezing) {
        return;
      }
      freezing = false;
      f = freezeDone;
      freezeDone = null;
      for (WorkqueueStruct wq : workqueues) {
        if (wq.freezable) {
          wq.frozen = false;
          thawed.add(wq);
        }
      }
    } finally {
      poolMutex.unlock();
    }
    if (f != null) {
      f.completeExceptionally(new CancellationException("thawed before the freeze completed"));
    }
    for (WorkqueueStruct wq : thawed) {
      wq.activateInactive();
    }
  }

  // ---- shutdown ----

  /**
   * Stops the runtime: new work is rejected, armed timers are cancelled, and every worker exits
   * once the work already queued has run.
   */
  public void shutdown() {
    List<WorkqueueStruct> wqs;
    poolMutex.lock();
    try {
      if (shutdown) {
        return;
      }
      shutdown = true;
      wqs = new ArrayList<>(workqueues);
    } finally {
      poolMutex.unlock();
    }
    for (WorkqueueStruct wq : wqs) {
      wq.markShutdown();
    }
    timer.shutdown();
    for (WorkerPool p : pools()) {
      p.destroy();
    }
    cm.shutdown();
    LIVE.remove(this);
  }

  /** Returns: true if every worker thread and the timer thread exited within the timeout. */
  public boolean awaitTermination(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    // a worker may still create a spare while the last items run: look until none is left
    while (nrWorkers.get() > 0) {
      for (WorkerPool p : pools()) {
        for (Thread t : p.threads()) {
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            return false;
          }
          TimeUnit.NANOSECONDS.timedJoin(t, left);
        }
      }
      if (deadline - System.nanoTime() <= 0) {
        return false;
      }
      Thread.onSpinWait();
    }
    for (Thread t : exiting) {
      long left = deadline - System.nanoTime();
      if (left > 0) {
        TimeUnit.NANOSECONDS.timedJoin(t, left);
      }
      if (t.isAlive()) {
        return false;
      }
      exiting.remove(t);
    }
    for (WorkqueueStruct wq : rescuedWorkqueues()) {
      Rescuer r = wq.rescuer;
      if (r != null) {
        long left = deadline - System.nanoTime();
        if (left > 0) {
          TimeUnit.NANOSECONDS.timedJoin(r.thread, left);
        }
        if (r.thread.isAlive()) {
          return false;
        }
      }
    }
    return timer.awaitTermination(deadline) && cm.awaitTermination(deadline);
  }

  /**
   * Returns: every count that is not at rest: work queued or running in a pool, a worker not
   * idle, a workqueue with something in flight, an armed timer. Empty when the runtime is idle.
   * For tests (the invariant check after each test) and debugging.
   */
  public List<String> checkAtRest() {
    List<String> out = checkWorkAtRest();
    int armed = timer.armed();
    if (armed != 0) {
      out.add(armed + " timers armed");
    }
    return out;
  }

  /** Returns: as {@link #checkAtRest()}, without the timers. */
  public List<String> checkWorkAtRest() {
    List<String> out = new ArrayList<>();
    for (WorkerPool p : pools()) {
      p.lock.lock();
      try {
        if (!p.worklist.isEmpty() || p.nrRunning != 0) {
          out.add("pool " + p.id + ": worklist " + (p.worklist.isEmpty() ? "empty" : "not empty") + ", nrRunning=" + p.nrRunning);
        }
        for (Worker w : p.workers) {
          if (w.currentWork != null || !w.scheduled.isEmpty() || w.sleeping) {
            out.add("worker " + w + " is not at rest");
          }
        }
        if (p.nrIdle > p.nrWorkers) {
          out.add("pool " + p.id + ": nrIdle " + p.nrIdle + " > nrWorkers " + p.nrWorkers);
        }
      } finally {
        p.lock.unlock();
      }
    }
    for (WorkqueueStruct wq : workqueues()) {
      wq.checkAtRest(out);
    }
    return out;
  }

  /** Returns: when the timer next has something to do (time-source nanos), or empty if nothing is armed. */
  public java.util.OptionalLong nextTimerExpiry() {
    return timer.nextExpiry();
  }

  // ---- dump and worker counts ----

  /** Returns: the text of {@link Dump}. */
  public String dump() {
    return Dump.of(this);
  }

  /**
   * Returns: {idle, running, blocked, total} over every pool: running = inside an item and
   * counted by concurrency management (or on an unbound pool), blocked = inside an item but
   * asleep (declared or detected).
   */
  public int[] workerStates() {
    int[] c = new int[4];
    for (WorkerPool p : poolArray) {
      p.lock.lock();
      try {
        for (Worker w : p.workers) {
          c[Dump.stateOf(w).ordinal()]++;
          c[3]++;
        }
      } finally {
        p.lock.unlock();
      }
    }
    return c;
  }

  /** Returns: lockups the watchdog has reported. */
  public long lockups() {
    return cm.watchdog.lockups();
  }
}
