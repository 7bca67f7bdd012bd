package dev.cmwq.internal;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Reports work functions that keep hogging a CPU slot, like the kernel's
 * {@code CONFIG_WQ_CPU_INTENSIVE_REPORT}: "workqueue: F hogged CPU for >10000us N times, consider
 * switching to WQ_UNBOUND", from the 4th time on and then backing off exponentially (counts 4, 5,
 * 7, 11, 19, ...). Tracks up to 128 functions. Owned by the sampler thread (S).
 */
final class HogReport {

  /** Kernel WCI_MAX_ENTS and wq_cpu_intensive_warning_thresh. */
  static final int MAX_FUNCTIONS = 128;

  static final int WARNING_THRESH = 4;

  private final Map<String, long[]> counts = new HashMap<>(); // S

  /** Counts one more hog by {@code work}'s function and logs when the back-off says so. */
  void report(WorkItem work, long thresholdNanos) {
    String fn = work.functionName();
    long[] c = counts.get(fn);
    if (c == null) {
      if (counts.size() >= MAX_FUNCTIONS) {
        return;
      }
      c = new long[1];
      counts.put(fn, c);
    }
    long n = ++c[0];
    if (shouldReport(n)) {
      RuntimeCore.LOG.log(
          System.Logger.Level.WARNING,
          "workqueue: " + fn + " hogged CPU for >" + TimeUnit.NANOSECONDS.toMicros(thresholdNanos) + "us " + n
              + " times, consider switching to WQ_UNBOUND");
    }
  }

  /** Returns: whether the {@code n}-th hog is reported: n >= 4 and n + 1 - 4 a power of two. */
  static boolean shouldReport(long n) {
    long k = n + 1 - WARNING_THRESH;
    return n >= WARNING_THRESH && (k & (k - 1)) == 0;
  }

  /** Returns: the hog count of a function so far (for tests). */
  long count(String fn) {
    long[] c = counts.get(fn);
    return c == null ? 0 : c[0];
  }
}
