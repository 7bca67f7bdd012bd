package dev.cmwq.reactor;

/**
 * The states of a task's {@code state} word, shared by every task class. Transitions:
 *
 * <pre>
 *   PENDING ──run──▶ RUNNING ──return──▶ DONE
 *      │                │  └──(periodic, re-armed)──▶ PENDING
 *      │                └──dispose from another thread──▶ INTERRUPTING ──▶ CANCELLED
 *      └──dispose / skip──▶ CANCELLED          (dispose from the runner, or no interrupts: RUNNING ──▶ CANCELLED)
 * </pre>
 *
 * {@link #QUEUED} is used only by a worker's timed task: its timer fired and it waits in the
 * worker's queue (counted), as opposed to PENDING (armed, not counted).
 *
 * <p>Field tags in the task classes: {@code I} set at construction, then read-only; {@code R}
 * written by the thread that runs the task and published by the state CAS; {@code M} guarded by
 * the worker's monitor.
 *
 * <p>INTERRUPTING closes the race in which a disposer reads the runner thread, the task
 * returns, the thread moves on to another item and then receives the interrupt: the disposer
 * interrupts only after it moved the state RUNNING → INTERRUPTING, and the runner, finding
 * INTERRUPTING when it tries RUNNING → DONE, waits for CANCELLED before it clears its interrupt
 * status and goes on (as {@code FutureTask} does).
 */
final class TaskState {

  /** Queued or armed, not started. */
  static final int PENDING = 0;
  /** A worker's timed task whose timer fired, waiting in the worker's queue. */
  static final int QUEUED = 1;
  /** Its runnable is running; {@code runner} is the thread. */
  static final int RUNNING = 2;
  /** Ran to the end (or threw). */
  static final int DONE = 3;
  /** A disposer is interrupting the runner; CANCELLED follows at once. */
  static final int INTERRUPTING = 4;
  /** Disposed, skipped or rejected. */
  static final int CANCELLED = 5;

  private TaskState() {}

  /** Returns: whether a task in state {@code s} reports itself disposed. */
  static boolean isDisposed(int s) {
    return s >= DONE;
  }

  /** The runner's side of INTERRUPTING: waits until the disposer has delivered the interrupt. */
  static void awaitInterrupted(java.util.function.IntSupplier state) {
    while (state.getAsInt() == INTERRUPTING) {
      Thread.onSpinWait();
    }
  }
}
