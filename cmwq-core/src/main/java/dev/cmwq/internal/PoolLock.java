package dev.cmwq.internal;

import java.util.concurrent.locks.ReentrantLock;

/**
 * The pool lock: a {@link ReentrantLock} that spins briefly before it queues and parks (the
 * kernel's {@code pool->lock} is a raw spinlock).
 *
 * <p>Its critical sections are a few list and counter updates: a queueing thread and the pool's
 * worker contend on every hand-off, and parking the loser turns a wait of tens of nanoseconds
 * into two futex calls, one on each side. A bounded spin lets the loser take the lock as soon as
 * it is released; only a holder that is descheduled or has dropped into a slow path (creating a
 * worker drops the lock first) makes waiters park.
 *
 * <p>Thread-safety: as {@link ReentrantLock} (non-fair); only {@link #lock()} differs.
 */
final class PoolLock extends ReentrantLock {

  /**
   * Spin iterations before queueing: a few microseconds at most. None on a single CPU, where the
   * holder cannot release the lock while the waiter spins.
   */
  static final int SPINS =
      Integer.getInteger("cmwq.poolLockSpins", Runtime.getRuntime().availableProcessors() > 1 ? 256 : 0);

  @Override
  public void lock() {
    if (tryLock()) {
      return;
    }
    for (int i = SPINS; i > 0; i--) {
      Thread.onSpinWait();
      // read first: a tryLock CAS on a held lock only pulls its cache line away from the holder
      if (!isLocked() && tryLock()) {
        return;
      }
    }
    super.lock();
  }
}
