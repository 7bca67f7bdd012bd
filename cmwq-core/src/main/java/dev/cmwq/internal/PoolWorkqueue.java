package dev.cmwq.internal;

/**
 * The kernel's {@code pool_workqueue}: links one workqueue to one worker pool. It counts what
 * the workqueue has active on that pool against {@code max_active}, holds back the rest on a
 * FIFO inactive list, and keeps the per-colour in-flight counts that flushing waits on.
 *
 * <p>A bound workqueue has one per CPU slot and limits each one separately; an unbound or
 * ordered workqueue has one current pool workqueue (plus older ones that are draining after
 * {@code applyAttrs}) and limits them together through {@link WorkqueueStruct#unboundActive}.
 */
final class PoolWorkqueue {

  static final int WORK_NR_COLORS = 16;

  final WorkqueueStruct wq; // I
  final WorkerPool pool; // I

  int workColor; // L: colour given to newly queued items
  int flushColor = -1; // L: colour being flushed, -1 when none
  final int[] nrInFlight = new int[WORK_NR_COLORS]; // L: queued or running items per colour, barriers included
  int totalInFlight; // L: sum of nrInFlight
  int nrActive; // L: items on the pool worklist or running, barriers excluded; <= maxActive
  final WorkList inactiveWorks = new WorkList(); // L: held back by max_active, FIFO
  int nrInactive; // L: user items on inactiveWorks (barriers riding along excluded)
  boolean plugged; // L: ordered workqueue: hold activation until the older pool workqueues drain
  boolean retired; // L: replaced by applyAttrs; takes no new items except non-reentrancy redirects
  boolean released; // WQ + L: removed from the workqueue, pool reference dropped
  boolean maydayQueued; // guarded by the rescuer's monitor: on its mayday list

  // wq_monitor counters. L: written under the pool lock, read by stats() under it too.
  long started; // L
  long completed; // L
  long failed; // L: items that threw
  long cpuTimeNanos; // L
  long cpuIntensive; // L
  long cmWakeups; // L
  long mayday; // L
  long rescued; // L

  PoolWorkqueue(WorkqueueStruct wq, WorkerPool pool) {
    this.wq = wq;
    this.pool = pool;
  }

  /**
   * Tries to take an active slot (kernel {@code pwq_tryinc_nr_active}).
   *
   * <p>Locking: pool lock held. Returns: true if the item may go to the pool worklist.
   */
  boolean tryIncNrActive() {
    assert pool.lock.isHeldByCurrentThread();
    if (plugged) {
      return false;
    }
    int max = wq.effectiveMaxActive();
    if (wq.unbound) {
      // unbound: the limit is workqueue-wide, shared by every pool workqueue of the workqueue
      if (!wq.tryIncUnboundActive(max)) {
        return false;
      }
    } else if (nrActive >= max) {
      return false;
    }
    nrActive++;
    return true;
  }

  /**
   * Moves the first inactive item (and the barriers linked to it) to the pool worklist, if an
   * active slot can be had (kernel {@code pwq_activate_first_inactive}).
   *
   * <p>Locking: pool lock held. Returns: true if an item was activated.
   */
  boolean activateFirstInactive() {
    assert pool.lock.isHeldByCurrentThread();
    WorkItem w = inactiveWorks.first();
    if (w == null || !tryIncNrActive()) {
      return false;
    }
    w.inactive = false;
    nrInactive--;
    pool.moveLinkedWorks(w, pool.worklist);
    Events.activate(this, w);
    return true;
  }

  /**
   * An active item finished or was cancelled: give its slot to the next inactive item.
   *
   * <p>Locking: pool lock held. Returns: true if the workqueue must look at its other pool
   * workqueues after the lock is dropped (an unbound slot freed here may serve an item held back
   * on another pool workqueue, or a frozen workqueue may now be idle).
   */
  boolean decNrActive() {
    assert pool.lock.isHeldByCurrentThread();
    nrActive--;
    if (wq.unbound) {
      wq.decUnboundActive();
    }
    if (activateFirstInactive()) {
      return false;
    }
    return wq.unbound && wq.hasSeveralPwqs() || wq.frozen;
  }

  /**
   * One item of colour {@code color} left the pool workqueue (finished, or cancelled while
   * queued) (kernel {@code pwq_dec_nr_in_flight}).
   *
   * <p>Locking: pool lock held. Returns: true if this completed the colour the workqueue's first
   * flusher waits for; the caller must call {@link WorkqueueStruct#flushColorDone()} after
   * dropping the lock.
   */
  boolean decNrInFlight(int color) {
    assert pool.lock.isHeldByCurrentThread();
    nrInFlight[color]--;
    totalInFlight--;
    if (flushColor != color || nrInFlight[color] != 0) {
      return false;
    }
    flushColor = -1;
    // A: the count of pool workqueues still to flush is decremented under different pool locks
    return wq.nrPwqsToFlush.decrementAndGet() == 0;
  }

  /** Locking: pool lock held. Returns: nothing queued, active or in flight (kernel {@code pwq_is_empty} and more). */
  boolean isIdle() {
    return totalInFlight == 0 && inactiveWorks.isEmpty();
  }

  @Override
  public String toString() {
    return "pwq(" + wq.name + " on pool " + pool.id + ")";
  }
}
