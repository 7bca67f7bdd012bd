package dev.cmwq.internal;

import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * Hierarchical hashed timer wheel after the kernel's {@code kernel/time/timer.c}: 9 levels of 64
 * buckets, each level 8x coarser than the one below, one 64-bit pending bitmap per level.
 *
 * <pre>
 * level  granularity (ticks)   granularity      a bucket at this level holds deadlines up to
 *   0         1                  1.05 ms          67 ms ahead
 *   1         8                  8.4 ms          537 ms
 *   2        64                   67 ms          4.3 s
 *   3       512                  537 ms           34 s
 *   4      4096                  4.3 s           4.6 min
 *   5      8^5                    34 s            37 min
 *   6      8^6                   4.6 min         4.9 h
 *   7      8^7                    37 min          39 h
 *   8      8^8                   4.9 h           ~13 days; anything later parks in the last bucket
 * </pre>
 *
 * <p>One tick is 2^{@value #TICK_SHIFT} ns. A deadline goes to the finest level whose 64 buckets
 * reach it; index arithmetic is shifts and masks only. Unlike {@code timer.c}, which rounds a
 * coarse timer up and fires it late, this wheel is <em>never early and rarely late</em>: when a
 * coarse bucket comes due (the start of the time span it covers) its nodes are either expired or
 * re-inserted relative to the new clock, which puts them at a finer level (at most 8 moves;
 * parked nodes are re-parked until they come within range: there is no maximum delay). Only
 * level 0 fires, and {@link #nextExpiry()} reports the exact earliest deadline there, so a
 * tickless timer thread parks until then and its accuracy is that of {@code parkNanos}, not of
 * the tick.
 *
 * <p>Time is the caller's time source in nanoseconds and wraps: every comparison is {@code a - b}
 * signed, so all armed deadlines must lie within 2^63 ns of the wheel's clock.
 *
 * <p>Not thread-safe. Locking: the owner holds one lock around every call, including reads of
 * the {@link TimerNode} fields. Allocation-free after construction.
 */
final class TimerWheel {
  /** One tick is 2^20 ns, about 1.05 ms. */
  static final int TICK_SHIFT = 20;
  /** Number of levels ({@code LVL_DEPTH}). */
  static final int LEVELS = 9;
  /** log2 of the buckets per level ({@code LVL_BITS}). */
  static final int LEVEL_BITS = 6;
  /** Buckets per level ({@code LVL_SIZE}); one {@code long} of pending bits covers a level. */
  static final int LEVEL_SIZE = 64;
  /** Each level is 2^3 = 8 times coarser than the one below ({@code LVL_CLK_SHIFT}). */
  static final int LEVEL_CLK_SHIFT = 3;

  private static final int LEVEL_MASK = LEVEL_SIZE - 1;
  private static final long TICK_MASK = (1L << TICK_SHIFT) - 1;
  private static final int TOP = LEVELS - 1;

  /** Owned by the caller's lock: head of each bucket list, index {@code level * 64 + slot}. */
  private final @Nullable TimerNode[] heads = new TimerNode[LEVELS * LEVEL_SIZE];
  /** Owned by the caller's lock: bit {@code slot} of {@code pending[level]} set iff that bucket is non-empty. */
  private final long[] pending = new long[LEVELS];
  /** Owned by the caller's lock: the wheel's clock in ns; moves forward only, in {@link #advance}. */
  private long clk;
  /** Owned by the caller's lock: number of armed nodes. */
  private int size;

  /** A wheel whose clock starts at {@code now} (any value: time wraps). */
  TimerWheel(long now) {
    this.clk = now;
  }

  /** Returns: true if {@code n} is armed in some wheel. Locking: that wheel's owner lock. */
  static boolean isArmed(TimerNode n) {
    return n.bucket >= 0;
  }

  /** Returns: the number of armed nodes. */
  int size() {
    return size;
  }

  /**
   * Arms {@code n} to expire at {@code deadline}, or re-arms it if it is armed (the kernel's
   * {@code mod_timer}). A deadline at or before the wheel's clock fires on the next
   * {@link #advance}. Re-arming into the bucket {@code n} already sits in only rewrites
   * {@code n.expires}: no relink.
   *
   * <p>Returns: true if {@code n} was armed before this call, false if this armed it afresh.
   */
  boolean schedule(TimerNode n, long deadline) {
    int idx = calcIndex(deadline);
    int old = n.bucket;
    n.expires = deadline;
    if (old == idx) {
      return true;
    }
    if (old >= 0) {
      unlink(n, old);
    } else {
      size++;
    }
    enqueue(n, idx);
    return old >= 0;
  }

  /**
   * Disarms {@code n} in O(1) (the kernel's {@code del_timer}); the wheel keeps no reference to it.
   *
   * <p>Returns: true if {@code n} was armed, false if it was not (already fired or cancelled).
   */
  boolean cancel(TimerNode n) {
    int old = n.bucket;
    if (old < 0) {
      return false;
    }
    unlink(n, old);
    n.bucket = -1;
    n.tprev = null;
    n.tnext = null;
    size--;
    return true;
  }

  /**
   * When the owner must next call {@link #advance}: the exact earliest deadline of the first
   * non-empty level-0 bucket, or the time a coarser bucket comes due (the start of the span it
   * covers, where its nodes move down a level), whichever is sooner. Never later than the
   * earliest deadline of any armed node; strictly after the clock unless a node was armed with a
   * deadline at or before it. Cost: 9 bitmap look-ups plus a scan of one level-0 bucket.
   *
   * <p>Returns: that time in ns, meaningful only when {@code size() > 0}; with nothing armed,
   * {@code clk + Long.MAX_VALUE} (as far ahead as wrapping time can say).
   */
  long nextExpiry() {
    long now = clk;
    long best = Long.MAX_VALUE; // relative to now
    long tick = now >>> TICK_SHIFT;
    for (int lvl = 0; lvl < LEVELS; lvl++) {
      long map = pending[lvl];
      if (map == 0) {
        continue;
      }
      int shift = lvl * LEVEL_CLK_SHIFT;
      long cur = tick >>> shift;
      // first non-empty slot at or after the current one, in wheel order
      long slot = cur + Long.numberOfTrailingZeros(Long.rotateRight(map, (int) (cur & LEVEL_MASK)));
      long rel;
      if (lvl == 0) {
        rel = earliestIn(heads[(int) (slot & LEVEL_MASK)], now);
      } else {
        rel = (slot << (shift + TICK_SHIFT)) - now; // bits past 64 drop off: wrapping time
      }
      if (rel < best) {
        best = rel;
      }
    }
    return now + best;
  }

  /**
   * Moves the clock forward to {@code now} (an earlier {@code now} leaves it where it is: the
   * clock never goes back) and unlinks every node whose deadline is at or before it (the kernel's
   * {@code __run_timers}, minus running them). Coarse buckets that come due on the way are emptied
   * and their unexpired nodes re-inserted at a finer level, so nothing fires early. Whole levels
   * are skipped with the pending bitmaps: a jump of days costs the same as a jump of one tick plus
   * the nodes it touches. Allocation-free.
   *
   * <p>Returns: the expired nodes, each disarmed ({@code bucket == -1}), chained through
   * {@code tnext} in deadline order ({@code tprev} unspecified), or null if none expired. The
   * caller may re-arm a node of the chain once it has read that node's {@code tnext}.
   */
  @Nullable TimerNode advance(long now) {
    long old = clk;
    long delta = now - old;
    if (delta < 0) {
      delta = 0;
      now = old;
    }
    clk = now;
    if (size == 0) {
      return null;
    }
    long fromTick = old >>> TICK_SHIFT;
    // unsigned: offset in the tick + delta may exceed Long.MAX_VALUE
    long toTick = fromTick + (((old & TICK_MASK) + delta) >>> TICK_SHIFT);

    // Level 0: every slot in [fromTick, toTick] is due. Nodes of slots before toTick have all
    // expired; those of slot toTick (partly elapsed) expire only up to now and the rest stay put.
    TimerNode fired = null;
    long due = pending[0] & dueMask(fromTick, toTick);
    while (due != 0) {
      int slot = Long.numberOfTrailingZeros(due);
      due &= due - 1;
      TimerNode next;
      for (TimerNode n = heads[slot]; n != null; n = next) {
        next = n.tnext;
        if (n.expires - now <= 0) {
          unlink(n, slot);
          n.bucket = -1;
          n.tprev = null;
          n.tnext = fired;
          fired = n;
          size--;
        }
      }
    }

    // Levels 1..8: detach every bucket whose span has started, then expire or re-insert.
    // Detach all first, so a node re-inserted into a bucket that is also due is not seen twice.
    TimerNode cascade = null;
    for (int lvl = 1; lvl < LEVELS; lvl++) {
      int shift = lvl * LEVEL_CLK_SHIFT;
      long from = fromTick >>> shift;
      long to = toTick >>> shift;
      if (from == to) {
        break; // only the current slot, which is always empty above level 0; so are higher levels
      }
      due = pending[lvl] & dueMask(from, to);
      pending[lvl] &= ~due;
      while (due != 0) {
        int idx = (lvl << LEVEL_BITS) + Long.numberOfTrailingZeros(due);
        due &= due - 1;
        TimerNode next;
        for (TimerNode n = heads[idx]; n != null; n = next) {
          next = n.tnext;
          n.tnext = cascade;
          cascade = n;
        }
        heads[idx] = null;
      }
    }
    TimerNode next;
    for (TimerNode n = cascade; n != null; n = next) {
      next = n.tnext;
      if (n.expires - now <= 0) {
        n.bucket = -1;
        n.tprev = null;
        n.tnext = fired;
        fired = n;
        size--;
      } else {
        enqueue(n, calcIndex(n.expires));
      }
    }
    return sortByExpiry(fired, now);
  }

  /**
   * Disarms every armed node that {@code filter} accepts (destroying a workqueue, shutting
   * down). Visits only the non-empty buckets, found through the pending bitmaps: O(armed nodes).
   * The filter runs under the caller's lock and must not call into the wheel.
   *
   * <p>Returns: the removed nodes, each disarmed ({@code bucket == -1}), chained through
   * {@code tnext} in no particular order, or null if none matched.
   */
  @Nullable TimerNode removeIf(Predicate<? super TimerNode> filter) {
    TimerNode removed = null;
    for (int lvl = 0; lvl < LEVELS; lvl++) {
      for (long map = pending[lvl]; map != 0; map &= map - 1) {
        int idx = (lvl << LEVEL_BITS) + Long.numberOfTrailingZeros(map);
        TimerNode next;
        for (TimerNode n = heads[idx]; n != null; n = next) {
          next = n.tnext;
          if (filter.test(n)) {
            unlink(n, idx);
            n.bucket = -1;
            n.tprev = null;
            n.tnext = removed;
            removed = n;
            size--;
          }
        }
      }
    }
    return removed;
  }

  /**
   * The kernel's {@code calc_wheel_index}: the bucket for {@code expires} as seen from the
   * current clock. A deadline at or before the clock goes to the current level-0 bucket; one
   * beyond the top level parks in the top level's last bucket.
   *
   * <p>Returns: {@code level * 64 + slot}. At level n >= 1 the slot is at least 8 slots ahead of
   * the current one, so its span has not started (the invariant {@link #advance} relies on).
   */
  private int calcIndex(long expires) {
    long now = clk;
    long delta = expires - now;
    long tick = now >>> TICK_SHIFT;
    if (delta <= 0) {
      return (int) (tick & LEVEL_MASK);
    }
    long expTick = tick + (((now & TICK_MASK) + delta) >>> TICK_SHIFT);
    if (expTick - tick < LEVEL_SIZE) {
      return (int) (expTick & LEVEL_MASK);
    }
    for (int lvl = 1; lvl < LEVELS; lvl++) {
      int shift = lvl * LEVEL_CLK_SHIFT;
      long slot = expTick >>> shift;
      if (slot - (tick >>> shift) < LEVEL_SIZE) {
        return (lvl << LEVEL_BITS) + (int) (slot & LEVEL_MASK);
      }
    }
    // beyond the top level: the last top-level slot, re-inserted when its span starts
    long parked = (tick >>> (TOP * LEVEL_CLK_SHIFT)) + LEVEL_MASK;
    return (TOP << LEVEL_BITS) + (int) (parked & LEVEL_MASK);
  }

  /** Returns: the pending bits of the slots {@code from..to} (slot numbers, not indices). */
  private static long dueMask(long from, long to) {
    long span = to - from; // >= 0
    if (span >= LEVEL_MASK) {
      return -1L;
    }
    return Long.rotateLeft((1L << (span + 1)) - 1, (int) (from & LEVEL_MASK));
  }

  /** Returns: the smallest {@code expires - now} in the list starting at {@code n} (non-empty). */
  private static long earliestIn(@Nullable TimerNode n, long now) {
    long best = Long.MAX_VALUE;
    for (; n != null; n = n.tnext) {
      long rel = n.expires - now;
      if (rel < best) {
        best = rel;
      }
    }
    return best;
  }

  /** Links {@code n} at the head of bucket {@code idx} and marks the bucket pending. */
  private void enqueue(TimerNode n, int idx) {
    TimerNode head = heads[idx];
    n.tprev = null;
    n.tnext = head;
    if (head != null) {
      head.tprev = n;
    }
    heads[idx] = n;
    n.bucket = idx;
    pending[idx >>> LEVEL_BITS] |= 1L << (idx & LEVEL_MASK);
  }

  /** Unlinks {@code n} from bucket {@code idx}, clearing the pending bit if it empties. */
  private void unlink(TimerNode n, int idx) {
    TimerNode prev = n.tprev;
    TimerNode next = n.tnext;
    if (prev == null) {
      assert heads[idx] == n : "node is not in this wheel's bucket " + idx;
      heads[idx] = next;
      if (next == null) {
        pending[idx >>> LEVEL_BITS] &= ~(1L << (idx & LEVEL_MASK));
      }
    } else {
      prev.tnext = next;
    }
    if (next != null) {
      next.tprev = prev;
    }
  }

  /**
   * Stable bottom-up merge sort of a {@code tnext} chain by deadline, in place (no allocation,
   * no recursion). Deadlines are compared relative to {@code now}, at or after all of them.
   *
   * <p>Returns: the head of the sorted chain, or null if {@code list} is null.
   */
  private static @Nullable TimerNode sortByExpiry(@Nullable TimerNode list, long now) {
    if (list == null || list.tnext == null) {
      return list;
    }
    for (int run = 1; ; run <<= 1) {
      TimerNode p = list;
      TimerNode tail = null;
      list = null;
      int merges = 0;
      while (p != null) {
        merges++;
        TimerNode q = p;
        int pLen = 0;
        while (pLen < run && q != null) {
          pLen++;
          q = q.tnext;
        }
        int qLen = run;
        while (pLen > 0 || (qLen > 0 && q != null)) {
          TimerNode e;
          if (pLen > 0 && (qLen == 0 || q == null || p.expires - now <= q.expires - now)) {
            e = p;
            p = p.tnext;
            pLen--;
          } else {
            e = q;
            q = q.tnext;
            qLen--;
          }
          if (tail == null) {
            list = e;
          } else {
            tail.tnext = e;
          }
          tail = e;
        }
        p = q;
      }
      tail.tnext = null;
      if (merges <= 1) {
        return list;
      }
    }
  }
}
