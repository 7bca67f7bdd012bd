package dev.cmwq.benchmarks;

import java.time.Duration;
import java.util.SplittableRandom;

/**
 * Pre-generated, seeded random delays, so that measured loops draw no random numbers and every
 * peer sees the same sequence.
 */
final class Delays {

  private Delays() {}

  /**
   * Returns: {@code n} delays in nanoseconds, uniform in {@code [min, max]}, from a generator
   * seeded with {@code seed}.
   */
  static long[] uniformNanos(int n, Duration min, Duration max, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    long lo = min.toNanos();
    long hi = max.toNanos() + 1;
    long[] nanos = new long[n];
    for (int i = 0; i < n; i++) {
      nanos[i] = random.nextLong(lo, hi);
    }
    return nanos;
  }

  /** Returns: the same delays as {@link Duration}s, allocated up front. */
  static Duration[] durations(long[] nanos) {
    Duration[] d = new Duration[nanos.length];
    for (int i = 0; i < nanos.length; i++) {
      d[i] = Duration.ofNanos(nanos[i]);
    }
    return d;
  }
}
