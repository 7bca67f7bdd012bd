package dev.cmwq.internal;

import java.util.concurrent.TimeUnit;

/**
 * The kernel's {@code CONFIG_WQ_WATCHDOG}: a pool whose worklist is not empty and has not moved
 * for {@code watchdogThreshold} (default 30 s; 0 disables) is reported as a lockup with a dump.
 *
 * <p>Progress is {@link WorkerPool#progressSeq}, bumped under the pool lock each time a worker
 * takes an item, so the hot path reads no clock. The sampler calls {@link #check} on each tick
 * while the worklist is not empty (it ticks at least every 10 ms then).
 */
final class Watchdog {

  private final RuntimeCore rt; // I
  private volatile long lockups; // S write

  Watchdog(RuntimeCore rt) {
    this.rt = rt;
  }

  /**
   * Locking: pool lock held; the pool's worklist is not empty. Returns: true if the pool has
   * stalled past the threshold; the caller reports it with {@link #report} after dropping the lock.
   */
  boolean check(WorkerPool pool, long now) {
    long thresh = rt.watchdogThresholdNanos;
    if (thresh == 0) {
      return false;
    }
    if (pool.wdSince == 0 || pool.progressSeq != pool.wdSeq) {
      pool.wdSeq = pool.progressSeq;
      pool.wdSince = WorkerPool.nonZero(now);
      return false;
    }
    if (now - pool.wdSince < thresh) {
      return false;
    }
    pool.wdStuckNanos = now - pool.wdSince;
    pool.wdSince = WorkerPool.nonZero(now); // report again only after another threshold without progress
    return true;
  }

  /** The pool's worklist is empty: nothing can be stuck. Locking: pool lock held. */
  static void touch(WorkerPool pool) {
    pool.wdSince = 0;
  }

  /** Logs the lockup with the runtime's dump (kernel: "BUG: workqueue lockup"). Locking: none held. */
  void report(WorkerPool pool) {
    lockups++;
    RuntimeCore.LOG.log(
        System.Logger.Level.ERROR,
        "BUG: workqueue lockup - pool " + pool.describe() + " stuck for "
            + TimeUnit.NANOSECONDS.toSeconds(pool.wdStuckNanos) + "s!\n" + rt.dump());
  }

  /** Returns: lockups reported so far. */
  long lockups() {
    return lockups;
  }
}
