package dev.cmwq.internal;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * The runtime's sampler: the JVM stand-in for the kernel's scheduler hooks
 * ({@code wq_worker_sleeping}, {@code wq_worker_running}, {@code wq_worker_tick}) and for the
 * pools' mayday timers and the watchdog timer.
 *
 * <p>One thread per runtime, started on first use. Each tick it looks at every worker that is
 * running an item:
 *
 * <ul>
 *   <li>{@code BLOCKED}, {@code WAITING} or {@code TIMED_WAITING} on two consecutive ticks on the
 *       same item: the worker is asleep (kernel {@code wq_worker_sleeping}): it leaves
 *       {@code nrRunning} and the pool is kicked, so the CPU slot's next item starts;
 *   <li>{@code RUNNABLE} but its CPU time did not advance over two consecutive ticks: blocked in
 *       socket or pipe I/O, which Java reports as runnable; asleep too;
 *   <li>seen running again after that: back in {@code nrRunning} ({@code wq_worker_running});
 *   <li>running one item for more CPU time than {@code cpuIntensiveThreshold}: flagged
 *       CPU_INTENSIVE, so it stops holding back the CPU slot ({@code wq_worker_tick}).
 * </ul>
 *
 * It also adds the workers' CPU time to their workqueues' stats (sampled, like the kernel's
 * {@code PWQ_STAT_CPU_TIME}), sends maydays for pools that cannot get a worker, retries worker
 * creation after the cool-down, and runs the {@link Watchdog}.
 *
 * <p>Period (after Go's {@code sysmon}): {@link #FAST_PERIOD_NANOS} after a change; while nothing
 * changes it doubles, up to {@link #BACKLOG_PERIOD_NANOS} while work waits behind a running
 * worker (so a worker that then blocks is noticed within about two milliseconds) and up to
 * {@link #SLOW_PERIOD_NANOS} while items merely run. With nothing running and no pool starving it
 * lingers one slow period, then parks with no wake-ups at all until a worker starts a batch.
 */
final class ConcurrencyManager {

  static final long FAST_PERIOD_NANOS = TimeUnit.MICROSECONDS.toNanos(100);
  static final long SLOW_PERIOD_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
  /** Kernel MAYDAY_INITIAL_TIMEOUT and MAYDAY_INTERVAL. */
  static final long MAYDAY_INITIAL_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

  static final long MAYDAY_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
  /** A runnable worker whose CPU time advanced less than this share of a tick is in I/O. */
  private static final int IO_CPU_PERCENT = 5;
  /** Without the OS's word, a still RUNNABLE worker counts as in I/O after this long. */
  private static final long NO_OS_IO_WINDOW_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

  private final java.nio.ByteBuffer statBuf = java.nio.ByteBuffer.allocate(512); // S

  private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();
  private static final boolean CPU_TIME = cpuTimeSupported();

  private final RuntimeCore rt; // I
  final Watchdog watchdog; // I
  final HogReport hogs = new HogReport(); // S: only the sampler thread touches it

  /** Written by the sampler before parking, cleared by whoever wakes it (volatile: see noteBusy). */
  private volatile boolean parked;

  /** Written once under this object's monitor (start), read without it: volatile. */
  private volatile @Nullable Thread thread;
  private volatile boolean stopped;
  private long period = FAST_PERIOD_NANOS; // S

  ConcurrencyManager(RuntimeCore rt) {
    this.rt = rt;
    this.watchdog = new Watchdog(rt);
  }

  private static boolean cpuTimeSupported() {
    try {
      if (MX.isThreadCpuTimeSupported() && !MX.isThreadCpuTimeEnabled()) {
        MX.setThreadCpuTimeEnabled(true);
      }
      return MX.isThreadCpuTimeSupported() && MX.isThreadCpuTimeEnabled();
    } catch (UnsupportedOperationException | SecurityException e) {
      return false;
    }
  }

  /**
   * A worker started running items, or a pool is starving: make sure the sampler ticks. Cheap
   * when it already does: one volatile read.
   *
   * <p>Happens-before: the caller changed pool state under the pool lock before reading
   * {@link #parked}; the sampler writes {@link #parked} before it re-scans the pools under their
   * locks. So either the re-scan sees the change, or this read sees {@code parked} and unparks.
   */
  void noteBusy() {
    if (parked) {
      parked = false;
      Thread t = thread;
      if (t != null) {
        LockSupport.unpark(t);
      }
      return;
    }
    if (thread == null) {
      start();
    }
  }

  private synchronized void start() {
    if (thread != null || stopped) {
      return;
    }
    Thread t = new Thread(this::loop, rt.threadNamePrefix + "cm");
    t.setDaemon(true);
    t.setPriority(Thread.MAX_PRIORITY);
    thread = t;
    t.start();
  }

  void shutdown() {
    stopped = true;
    Thread t;
    synchronized (this) {
      t = thread;
    }
    if (t != null) {
      LockSupport.unpark(t);
    }
  }

  boolean awaitTermination(long deadline) throws InterruptedException {
    Thread t;
    synchronized (this) {
      t = thread;
    }
    if (t == null) {
      return true;
    }
    long left = deadline - System.nanoTime();
    if (left > 0) {
      TimeUnit.NANOSECONDS.timedJoin(t, left);
    }
    return !t.isAlive();
  }

  /**
   * Work was queued behind a running worker: if the sampler has backed off past the backlog
   * period (or parked), bring it back so a worker that blocks is noticed within a couple of
   * milliseconds. Cheap on the queueing path: one volatile read while it ticks fast enough.
   */
  void noteBacklog() {
    if (relaxed) {
      relaxed = false;
      Thread t = thread;
      if (t != null) {
        LockSupport.unpark(t);
      }
    } else if (parked || thread == null) {
      noteBusy();
    }
  }

  /** The sampler runs slower than the backlog period (volatile: read on the queueing path). */
  private volatile boolean relaxed;

  // ---- the loop ----

  /** Longest period while work waits behind running workers: two ticks stay within ~2 ms. */
  static final long BACKLOG_PERIOD_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

  private void loop() {
    boolean lingered = false;
    while (!stopped) {
      Tick tick = tick();
      if (tick == Tick.IDLE) {
        if (!lingered) {
          // linger one slow period before parking for good: under a stream of short items the
          // workers then need not wake the sampler for every batch (noteBusy is a no-op while
          // it is not parked), and an idle runtime still sees no periodic wake-ups
          lingered = true;
          relaxed = true;
          LockSupport.parkNanos(this, SLOW_PERIOD_NANOS);
          continue;
        }
        parked = true;
        // re-scan after publishing parked, so a worker that became busy meanwhile is seen
        if (tick() == Tick.IDLE && !stopped) {
          period = FAST_PERIOD_NANOS;
          relaxed = false;
          LockSupport.park(this);
        }
        parked = false;
        lingered = false;
        continue;
      }
      lingered = false;
      if (tick == Tick.CHANGED) {
        period = FAST_PERIOD_NANOS;
      } else {
        period = Math.min(period * 2, tick == Tick.BACKLOG ? BACKLOG_PERIOD_NANOS : SLOW_PERIOD_NANOS);
      }
      // only a period longer than the backlog one needs hurrying: waking the sampler costs the
      // queueing thread an unpark, too much to pay on every item of a flood
      relaxed = period > BACKLOG_PERIOD_NANOS;
      LockSupport.parkNanos(this, period);
    }
  }

  private enum Tick {
    /** Nothing runs, nothing starves: park. */
    IDLE,
    /** Items run with nothing waiting behind them, and nothing changed. */
    QUIET,
    /** Work waits behind running workers, and nothing changed. */
    BACKLOG,
    /** A worker changed state, or a pool got help. */
    CHANGED
  }

  /** What the sampler saw of one worker: taken under the pool lock, judged outside it. S. */
  private static final class Sample {
    @Nullable Worker w;
    long seq;
    Thread.@Nullable State state;
    boolean inFunction;
  }

  private final ArrayList<Sample> samples = new ArrayList<>(); // S: reused, grows only
  private final ArrayList<WorkerPool> stalled = new ArrayList<>(); // S

  private Tick tick() {
    long now = RuntimeCore.engineNow();
    boolean busy = false;
    boolean backlog = false;
    boolean changed = false;
    boolean suspect = false;
    for (WorkerPool pool : rt.poolArray()) {
      int n = 0;
      pool.lock.lock();
      try {
        for (Worker w : pool.workers) {
          WorkItem c = w.currentWork;
          if (c != null && !c.isBarrier()) {
            if (n == samples.size()) {
              samples.add(new Sample());
            }
            Sample s = samples.get(n++);
            s.w = w;
            s.seq = w.itemSeq;
          }
        }
        busy |= n > 0;
        if (pool.worklist.isEmpty()) {
          Watchdog.touch(pool);
        } else {
          busy = true;
          backlog |= n > 0;
          if (watchdog.check(pool, now)) {
            stalled.add(pool);
          }
        }
        if (pool.starvingSince != 0) {
          busy = true;
          changed |= starving(pool, now);
        }
      } finally {
        pool.lock.unlock();
      }
      // thread states and CPU times are read without the pool lock
      for (int i = 0; i < n; i++) {
        Sample s = samples.get(i);
        s.state = s.w.thread.getState();
        s.inFunction = s.w.loInFunction();
      }
      for (int i = 0; i < n; i++) {
        Sample s = samples.get(i);
        changed |= judge(pool, s, now);
        // seen waiting once: look again soon, the second sighting decides (not a change yet)
        suspect |= s.w.sAsleepTicks == 1 && !pool.isUnbound();
        s.w = null;
      }
    }
    for (WorkerPool p : stalled) {
      watchdog.report(p);
    }
    stalled.clear();
    if (!busy) {
      return Tick.IDLE;
    }
    if (changed || suspect) {
      return Tick.CHANGED;
    }
    return backlog ? Tick.BACKLOG : Tick.QUIET;
  }

  /**
   * Applies one sample to its worker. Locking: takes the pool lock to apply a change.
   * Returns: whether the worker changed state.
   */
  private boolean judge(WorkerPool pool, Sample s, long now) {
    Worker w = s.w;
    // outside the function the worker only waits for its own pool lock: that is not the item
    boolean waiting =
        s.inFunction
            && (s.state == Thread.State.BLOCKED || s.state == Thread.State.WAITING || s.state == Thread.State.TIMED_WAITING);
    // read in every state: a reading skipped while the worker sleeps would drop the CPU time its
    // earlier items used since the last one (-1 if the thread has ended or the JVM cannot tell)
    long cpu = CPU_TIME ? MX.getThreadCpuTime(w.thread.getId()) : -1;
    // S: the sampler's own per-worker fields
    boolean sameItem = w.sSeq == s.seq;
    long cpuDelta = cpu >= 0 && w.sCpu >= 0 ? cpu - w.sCpu : -1;
    long wallDelta = now - w.sWall;
    // runnable to Java, but its CPU time stood still: blocked in I/O, or only waiting for a CPU?
    // The OS knows (Linux /proc); without it, assume I/O only after a millisecond of stillness.
    boolean still =
        s.state == Thread.State.RUNNABLE
            && s.inFunction
            && sameItem
            && cpuDelta >= 0
            && wallDelta > 0
            && cpuDelta * 100 < wallDelta * IO_CPU_PERCENT;
    boolean inIo = false;
    if (still) {
      NativeThreadState.State os = NativeThreadState.read(w.statFile, statBuf);
      inIo = os == NativeThreadState.State.SLEEPING
          || os == NativeThreadState.State.UNKNOWN && wallDelta >= NO_OS_IO_WINDOW_NANOS;
    }
    if (!sameItem) {
      // a new item: the CPU used since the last look belongs to earlier items, not to this one
      w.sSeq = s.seq;
      w.sAsleepTicks = 0;
      w.sItemCpu = 0;
    } else if (cpuDelta > 0) {
      w.sItemCpu += cpuDelta;
    }
    w.sAsleepTicks = waiting || inIo ? w.sAsleepTicks + 1 : 0;
    w.sCpu = cpu;
    w.sWall = now;

    // two sightings in a row, against flapping on short waits; unbound pools are not
    // concurrency-managed, so there only the CPU time is of interest
    boolean asleep = w.sAsleepTicks >= 2 && !pool.isUnbound();
    boolean hog =
        !asleep && sameItem && rt.cpuIntensiveThresholdNanos > 0 && w.sItemCpu >= rt.cpuIntensiveThresholdNanos;
    boolean accountCpu = cpuDelta > 0;
    if (asleep == w.autoSleep && !hog && !accountCpu) {
      return false;
    }
    boolean changed = false;
    WorkerPool.Kick kick = WorkerPool.Kick.NONE;
    PoolWorkqueue pwq;
    pool.lock.lock();
    try {
      if (w.itemSeq != s.seq || w.currentWork == null) {
        return false; // moved on meanwhile
      }
      pwq = w.currentPwq;
      if (accountCpu && pwq != null) {
        pwq.cpuTimeNanos += cpuDelta;
      }
      if (asleep != w.autoSleep) {
        w.setAutoSleep(asleep);
        changed = true;
        if (asleep) {
          kick = pool.kick();
          if (kick != WorkerPool.Kick.NONE && pwq != null) {
            pwq.cmWakeups++;
          }
        }
      }
      if (hog && (w.flags & Worker.CPU_INTENSIVE) == 0 && !pool.isUnbound()) {
        w.setFlags(Worker.CPU_INTENSIVE);
        changed = true;
        if (pwq != null) {
          pwq.cpuIntensive++;
        }
        WorkerPool.Kick k = pool.kick();
        if (k != WorkerPool.Kick.NONE && pwq != null) {
          pwq.cmWakeups++;
        }
        if (k == WorkerPool.Kick.NEED_WORKER) {
          kick = k;
        }
        hogs.report(w.currentWork, rt.cpuIntensiveThresholdNanos);
        Events.cpuIntensive(pwq, w);
      }
    } finally {
      pool.lock.unlock();
    }
    if (kick == WorkerPool.Kick.NEED_WORKER) {
      pool.createWorkerAsManager();
    }
    return changed;
  }

  /**
   * A pool needs a worker it cannot create: mayday after 10 ms, again every 100 ms, and retry the
   * creation after the cool-down (kernel pool_mayday_timeout, maybe_create_worker). Locking:
   * pool lock held. Returns: whether it did something.
   */
  private boolean starving(WorkerPool pool, long now) {
    if (!pool.needToCreateWorker()) {
      pool.starvingSince = 0;
      pool.lastMayday = 0;
      return true;
    }
    boolean acted = false;
    if (now - pool.starvingSince >= MAYDAY_INITIAL_NANOS
        && (pool.lastMayday == 0 || now - pool.lastMayday >= MAYDAY_INTERVAL_NANOS)) {
      pool.lastMayday = WorkerPool.nonZero(now);
      pool.sendMaydays();
      acted = true;
    }
    if (!pool.managerActive && !pool.coolingDown()) {
      pool.managerActive = true;
      pool.lock.unlock();
      try {
        pool.createWorkerAsManager();
      } finally {
        pool.lock.lock();
      }
      acted = true;
    }
    return acted;
  }
}
