package dev.cmwq.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.jspecify.annotations.Nullable;

/**
 * The kernel's {@code work_struct}: the state a work item carries between queueing and
 * execution. Not API: {@code dev.cmwq.Work} extends it so that a work item is one object and
 * queueing allocates nothing.
 *
 * <h2>State word</h2>
 *
 * {@link #state} holds the PENDING bit and the disable depth, so that queueing, cancelling and
 * disabling agree through one compare-and-set:
 *
 * <pre>
 *   bit 0       PENDING: owned by whoever set it; the owner puts the item on a list or a timer
 *   bits 16..31 disable depth (0..65535); while non-zero every queueing attempt fails
 * </pre>
 *
 * PENDING is cleared by the worker just before the function runs, under the pool lock, so a
 * running item can be queued again and then runs exactly once more.
 */
public abstract class WorkItem extends TimerNode {

  static final int PENDING = 1;
  static final int DISABLE_SHIFT = 16;
  static final int DISABLE_ONE = 1 << DISABLE_SHIFT;
  static final int MAX_DISABLE = 0xFFFF;

  /** A: PENDING and the disable depth; see the class comment. */
  volatile int state;

  // ---- where it is queued: L (pool lock of pwq.pool) ----

  /**
   * L: the pool workqueue whose list (pool worklist, inactive list or a worker's scheduled list)
   * holds the item; null when it is not on a list. Read racily with {@link #loPwq()} by
   * cancellers and flushers, who verify it under {@code pwq.pool.lock}.
   */
  @Nullable PoolWorkqueue pwq;

  /** L: list links; see {@link WorkList}. */
  @Nullable WorkItem next;
  /** L: list links; see {@link WorkList}. */
  @Nullable WorkItem prev;
  /** L: the flush colour it was queued with. */
  int color;
  /** L: does not count in {@code nrActive}: on an inactive list, or a flush barrier. */
  boolean inactive;
  /** L: the item after this one on its list is a barrier that must move with it. */
  boolean linked;

  // ---- where it last ran: L (lastPool.lock) ----

  /** L(lastPool): the worker executing the item right now; null when it is not running. */
  @Nullable Worker runner;
  /**
   * L(lastPool) write, racy read: the pool of the latest execution (the kernel keeps its id in
   * the off-queue data). Written before PENDING is cleared, so a queuer whose CAS sets PENDING
   * afterwards sees it; the queuer then verifies {@link #runner} under that pool's lock.
   */
  @Nullable WorkerPool lastPool;

  // ---- delayed work: P (the owner of PENDING) writes before arming, the timer reads after ----

  /** P: the workqueue a timer queues the item on when it expires. */
  @Nullable WorkqueueStruct timerWq;
  /** P: the CPU slot requested with the timer, or {@link WorkqueueStruct#CPU_LOCAL}. */
  int timerCpu;

  protected WorkItem() {}

  /** Runs the item's function on a worker thread. */
  protected abstract void execute();

  /** Returns: a name for the item's function, for reports and events (kernel %ps of work->func). */
  protected String functionName() {
    return getClass().getName();
  }

  /** Returns: whether this is an internal flush barrier rather than a user's item. */
  boolean isBarrier() {
    return false;
  }

  // ---- state word accessors ----

  private static final VarHandle STATE;
  private static final VarHandle PWQ;

  static {
    try {
      MethodHandles.Lookup l = MethodHandles.lookup();
      STATE = l.findVarHandle(WorkItem.class, "state", int.class);
      PWQ = l.findVarHandle(WorkItem.class, "pwq", PoolWorkqueue.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  final boolean casState(int expect, int update) {
    // volatile CAS: a successful set of PENDING releases the caller's earlier stores to the
    // worker that later clears PENDING (kernel: test_and_set_bit is a full barrier).
    return STATE.compareAndSet(this, expect, update);
  }

  /** Racy read of {@link #pwq}; the caller verifies it under the pool lock. */
  final @Nullable PoolWorkqueue loPwq() {
    return (PoolWorkqueue) PWQ.getOpaque(this);
  }

  final boolean isPendingBit() {
    return (state & PENDING) != 0;
  }

  final int disableDepth() {
    return state >>> DISABLE_SHIFT;
  }

  /**
   * Tries to take PENDING for a new queueing (kernel: {@code test_and_set_bit(PENDING)} plus the
   * disabled check).
   *
   * <p>Returns: true if the caller now owns PENDING and must queue the item; false if it was
   * already pending or is disabled. A false return for a pending item still publishes the
   * caller's earlier stores to the execution that has not started yet: the same-value CAS is a
   * volatile write that the worker's clearing CAS reads.
   */
  final boolean trySetPending() {
    for (;;) {
      int s = state;
      if ((s >>> DISABLE_SHIFT) != 0) {
        return false;
      }
      if ((s & PENDING) != 0) {
        if (casState(s, s)) {
          return false;
        }
        continue;
      }
      if (casState(s, s | PENDING)) {
        return true;
      }
    }
  }

  /** Takes PENDING whatever the disable depth (the grab path of cancel). Returns: true if taken. */
  final boolean trySetPendingIgnoringDisable() {
    for (;;) {
      int s = state;
      if ((s & PENDING) != 0) {
        return false;
      }
      if (casState(s, s | PENDING)) {
        return true;
      }
    }
  }

  /**
   * Clears PENDING. Called by the owner of PENDING: the worker just before execution (under the
   * pool lock; the CAS releases {@link #lastPool} and {@link #runner}), or a canceller.
   */
  final void clearPending() {
    for (;;) {
      int s = state;
      if (casState(s, s & ~PENDING)) {
        return;
      }
    }
  }

  /**
   * Raises the disable depth by one. Returns: nothing; throws IllegalStateException at 65 535.
   */
  final void incDisable() {
    for (;;) {
      int s = state;
      if ((s >>> DISABLE_SHIFT) == MAX_DISABLE) {
        throw new IllegalStateException("work disabled more than " + MAX_DISABLE + " times");
      }
      if (casState(s, s + DISABLE_ONE)) {
        return;
      }
    }
  }

  /** Lowers the disable depth. Returns: the new depth; throws IllegalStateException below 0. */
  final int decDisable() {
    for (;;) {
      int s = state;
      int depth = s >>> DISABLE_SHIFT;
      if (depth == 0) {
        throw new IllegalStateException("enable() without a matching disable()");
      }
      if (casState(s, s - DISABLE_ONE)) {
        return depth - 1;
      }
    }
  }
}
