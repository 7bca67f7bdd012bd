package dev.cmwq.internal;

import dev.cmwq.ManualTimeSource;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The runtime's timer: a {@link TimerWheel} behind one lock, driven either by one timer thread
 * that parks until the next expiry (tickless: nothing armed, no wake-ups) or, with a
 * {@link ManualTimeSource}, by whoever advances that source.
 *
 * <p>On expiry an item is queued on its workqueue exactly like the kernel's
 * {@code delayed_work_timer_fn}. User code never runs here.
 */
final class TimerBase {

  private final RuntimeCore rt; // I
  final ReentrantLock lock = new ReentrantLock();
  private final TimerWheel wheel; // T
  private final boolean manual; // I

  private @Nullable Thread thread; // T: started on first arm
  /** T: the timer thread is parked until {@link #parkedUntil}, or indefinitely if !timedPark. */
  private boolean parked;
  private boolean timedPark; // T
  private long parkedUntil; // T
  /** T: the wheel's earliest deadline when the thread last parked (≥ parkedUntil). */
  private long parkedNext;
  /**
   * T: since the thread last parked, an arm came earlier than {@link #parkedNext}: timers are
   * being armed and cancelled near the front of the wheel. The next park is then capped at
   * {@link #CHURN_PARK_NANOS} (see {@link #timerLoop}).
   */
  private boolean churn;
  private boolean stopped; // T

  /**
   * Longest park while near timers churn: one wheel tick (2^20 ns). Waking the thread for every
   * arm that comes earlier than its sleep costs an unpark and a lock hand-over per arm when
   * near timers are armed and cancelled in a loop (request timeouts); waking once a tick instead
   * lets those arms go by without waking anyone, as a ticking wheel does, and stops as soon as a
   * tick passes without such an arm. With nothing armed, or only far timers left alone, the
   * thread still sleeps until the next expiry.
   */
  static final long CHURN_PARK_NANOS = 1L << 20;

  TimerBase(RuntimeCore rt) {
    this.rt = rt;
    this.wheel = new TimerWheel(rt.now());
    this.manual = rt.timeSource instanceof ManualTimeSource;
    if (manual) {
      ((ManualTimeSource) rt.timeSource).onAdvance(this::advanceTo);
    }
  }

  /**
   * Arms {@code w}, whose PENDING the caller owns, to fire {@code delayNanos} from now.
   * Returns: nothing; throws RejectedExecutionException after shutdown (the caller clears PENDING).
   */
  void arm(WorkItem w, long delayNanos) {
    Thread wake;
    lock.lock();
    try {
      if (stopped) {
        throw new RejectedExecutionException("the workqueue runtime is shut down");
      }
      long deadline = rt.now() + delayNanos;
      wheel.schedule(w, deadline);
      wake = wakeFor(deadline);
    } finally {
      lock.unlock();
    }
    if (wake != null) {
      LockSupport.unpark(wake); // after unlocking: the woken thread's first step is to lock
    }
  }

  /**
   * Re-arms {@code w} if its timer is armed (mod_delayed_work's fast path): same bucket → only
   * the deadline changes. Returns: true if it was armed and is re-armed.
   */
  boolean rearmIfArmed(WorkItem w, WorkqueueStruct wq, int cpu, long delayNanos) {
    Thread wake;
    lock.lock();
    try {
      WorkqueueStruct armedFor = w.timerWq;
      if (!TimerWheel.isArmed(w) || armedFor == null || armedFor.rt != rt) {
        return false; // not armed, or armed on another runtime's timer: take the slow path
      }
      // T: target fields of an armed item are read by the expiry path under this lock
      w.timerWq = wq;
      w.timerCpu = cpu;
      long deadline = rt.now() + delayNanos;
      wheel.schedule(w, deadline);
      wake = wakeFor(deadline);
    } finally {
      lock.unlock();
    }
    if (wake != null) {
      LockSupport.unpark(wake);
    }
    return true;
  }

  /** Returns: true if {@code w} was armed here and is now disarmed (the caller owns PENDING). */
  boolean cancel(WorkItem w) {
    if (!TimerWheel.isArmed(w)) {
      return false; // racy fast path: an unarmed item cannot become armed without PENDING
    }
    lock.lock();
    try {
      return wheel.cancel(w);
    } finally {
      lock.unlock();
    }
  }

  /** Cancels every armed item aimed at {@code wq} (destroy); their PENDING is cleared. */
  void cancelFor(WorkqueueStruct wq) {
    TimerNode chain;
    lock.lock();
    try {
      chain = wheel.removeIf(n -> ((WorkItem) n).timerWq == wq);
    } finally {
      lock.unlock();
    }
    while (chain != null) {
      TimerNode next = chain.tnext;
      ((WorkItem) chain).clearPending();
      chain = next;
    }
  }

  /**
   * Starts the timer thread on first use; decides whether {@code deadline} needs it woken before
   * its sleep ends.
   *
   * <p>Locking: T held. Returns: the thread to unpark once T is dropped, or null.
   */
  private @Nullable Thread wakeFor(long deadline) {
    if (manual) {
      return null;
    }
    Thread t = thread;
    if (t == null) {
      t = new Thread(this::timerLoop, rt.threadNamePrefix + "timer");
      t.setDaemon(true);
      thread = t;
      t.start();
      return null;
    }
    if (!parked) {
      return null; // awake: it re-reads the wheel before it parks again
    }
    if (!timedPark || deadline - parkedUntil < 0) {
      parked = false;
      churn = true;
      return t;
    }
    if (deadline - parkedNext < 0) {
      churn = true; // due before what the thread planned for, after its capped wake-up: noted
    }
    return null;
  }

  /** The timer thread: fire what is due, then park until the next expiry. */
  private void timerLoop() {
    lock.lock();
    try {
      while (!stopped) {
        long now = rt.now();
        TimerNode chain = wheel.advance(now);
        if (chain != null) {
          lock.unlock();
          try {
            handOff(chain);
          } finally {
            lock.lock();
          }
          continue;
        }
        parked = true;
        timedPark = wheel.size() > 0;
        if (timedPark) {
          parkedNext = wheel.nextExpiry();
          // near timers churned during the last sleep: wake after a tick at the latest, so that
          // arms before parkedNext need no unpark (see CHURN_PARK_NANOS)
          long cap = now + CHURN_PARK_NANOS;
          parkedUntil = churn && cap - parkedNext < 0 ? cap : parkedNext;
        } else {
          parkedNext = 0;
          parkedUntil = 0;
        }
        churn = false;
        lock.unlock();
        try {
          if (timedPark) {
            long wait = parkedUntil - now;
            if (wait > 0) {
              LockSupport.parkNanos(this, wait);
            }
          } else {
            LockSupport.park(this);
          }
        } finally {
          lock.lock();
          parked = false;
        }
      }
    } finally {
      lock.unlock();
    }
  }

  /** Manual time: fire what is due at {@code now}, on the caller's thread. */
  void advanceTo(long now) {
    TimerNode chain;
    lock.lock();
    try {
      if (stopped) {
        return;
      }
      chain = wheel.advance(now);
    } finally {
      lock.unlock();
    }
    handOff(chain);
  }

  /**
   * Queues expired items on their workqueues in deadline order. A run of items bound for the same
   * pool is queued under one acquisition of its lock and kicks the pool once, so a batch wakes at
   * most one idle worker per pool (an unbound pool's workers then chain the wake-ups as they
   * start items). Locking: called with no lock held; takes pool locks one at a time.
   */
  private void handOff(@Nullable TimerNode chain) {
    WorkerPool held = null;
    boolean activated = false;
    try {
      while (chain != null) {
        TimerNode next = chain.tnext;
        chain.tnext = null;
        WorkItem w = (WorkItem) chain;
        WorkqueueStruct wq = w.timerWq;
        PoolWorkqueue pwq = wq.pwqForBatch(w.timerCpu, w);
        if (pwq != null && pwq.pool != held) {
          releaseBatch(held, activated);
          held = pwq.pool;
          activated = false;
          held.lock.lock();
        }
        if (pwq != null && !pwq.retired && !pwq.released) {
          activated |= WorkqueueStruct.insertWork(pwq, w);
        } else {
          releaseBatch(held, activated);
          held = null;
          activated = false;
          queueSlow(wq, w);
        }
        chain = next;
      }
    } finally {
      releaseBatch(held, activated);
    }
  }

  /** Ends a batch: kick the pool once, drop its lock. Locking: {@code held}'s lock held, if any. */
  private static void releaseBatch(@Nullable WorkerPool held, boolean activated) {
    if (held == null) {
      return;
    }
    WorkerPool.Kick kick = activated ? held.kickDeferred() : WorkerPool.Kick.NONE;
    Thread wake = held.takeToWake();
    held.lock.unlock();
    if (wake != null) {
      LockSupport.unpark(wake); // after unlocking: see WorkerPool.kickDeferred
    }
    if (kick == WorkerPool.Kick.NEED_WORKER) {
      held.createWorkerAsManager();
    }
  }

  private static void queueSlow(WorkqueueStruct wq, WorkItem w) {
    try {
      wq.queueOwned(w.timerCpu, w, true);
    } catch (RejectedExecutionException e) {
      // destroyed under our feet: destroy cancels armed items first, so this is a race lost
      RuntimeCore.LOG.log(
          System.Logger.Level.WARNING, "cmwq: delayed work dropped, workqueue " + wq.name + " is destroyed");
    }
  }

  /** Returns: the wheel's next expiry, or empty if nothing is armed. */
  java.util.OptionalLong nextExpiry() {
    lock.lock();
    try {
      return wheel.size() > 0 ? java.util.OptionalLong.of(wheel.nextExpiry()) : java.util.OptionalLong.empty();
    } finally {
      lock.unlock();
    }
  }

  /** Returns: armed timers (for stats and tests). */
  int armed() {
    lock.lock();
    try {
      return wheel.size();
    } finally {
      lock.unlock();
    }
  }

  /** Stops the thread and cancels every armed item (their PENDING is cleared). */
  void shutdown() {
    TimerNode chain;
    Thread t;
    lock.lock();
    try {
      stopped = true;
      chain = wheel.removeIf(n -> true);
      t = thread;
    } finally {
      lock.unlock();
    }
    if (t != null) {
      LockSupport.unpark(t);
    }
    while (chain != null) {
      TimerNode next = chain.tnext;
      ((WorkItem) chain).clearPending();
      chain = next;
    }
  }

  boolean awaitTermination(long deadline) throws InterruptedException {
    Thread t;
    lock.lock();
    try {
      t = thread;
    } finally {
      lock.unlock();
    }
    if (t == null) {
      return true;
    }
    long left = deadline - System.nanoTime();
    if (left > 0) {
      java.util.concurrent.TimeUnit.NANOSECONDS.timedJoin(t, left);
    }
    return !t.isAlive();
  }
}
