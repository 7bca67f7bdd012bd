package dev.cmwq.internal;

import org.jspecify.annotations.Nullable;

/**
 * Intrusive timer links, the JVM counterpart of the kernel's {@code struct timer_list}: whatever
 * can be armed in a {@link TimerWheel} (a {@code DelayedWork}) extends this class, so arming,
 * re-arming and cancelling allocate nothing. Not API (the package is not exported).
 *
 * <p>Every field is guarded by the lock of whoever owns the {@link TimerWheel} the node is armed
 * in ("T:" below). A node is armed in at most one wheel at a time.
 */
public abstract class TimerNode {
  /**
   * T: absolute deadline in time-source nanoseconds. Time wraps: compare as {@code a - b < 0},
   * never as {@code a < b}.
   */
  long expires;

  /** T: previous node in the bucket list; {@code null} for the bucket's head or when not armed. */
  @Nullable TimerNode tprev;

  /**
   * T: next node in the bucket list; also chains the expired nodes that
   * {@link TimerWheel#advance(long)} returns.
   */
  @Nullable TimerNode tnext;

  /** T: -1 when not armed, otherwise the wheel's bucket index ({@code level * 64 + slot}). */
  int bucket = -1;

  protected TimerNode() {}
}
