package dev.cmwq.samples.demo;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Counts one scheduler's threads by name prefix ({@code parallel-}, {@code boundedElastic-},
 * {@code kworker/}), now and at peak, from a sampler thread of its own.
 *
 * <p>Only threads that were not alive when {@link #watch} was called count: a JVM that already
 * has a {@code parallel-1} from elsewhere (a test suite, say) does not inflate the numbers.
 * Everything the scheduler starts counts, its housekeeping threads included
 * ({@code boundedElastic-evictor-1}, cmwq's sampler {@code kworker/cm}).
 *
 * <p>The sampler reads {@link ThreadMXBean#getThreadInfo(long[])} without stack traces, which
 * does not stop the JVM, every {@code period}. A thread that lives shorter than a period may be
 * missed; the schedulers here keep their threads far longer. Thread-safe.
 */
public final class ThreadCensus implements AutoCloseable {

  private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();

  private final long periodNanos; // I
  private final Thread sampler; // I

  /** The prefix watched and the thread ids alive before; replaced together by watch(). */
  private record Target(String prefix, Set<Long> before) {}

  private volatile Target target = new Target("\0", Set.of()); // written by watch(), read by the sampler
  private final AtomicInteger peak = new AtomicInteger(); // max of every count since watch()
  private volatile boolean closed;

  /** Starts the sampler, a daemon thread named {@code demo-census}. */
  public ThreadCensus(Duration period) {
    this.periodNanos = period.toNanos();
    this.sampler = new Thread(this::loop, "demo-census");
    sampler.setDaemon(true);
    sampler.start();
  }

  /** From now on counts threads named {@code prefix}… that are not alive yet. Resets the peak. */
  public void watch(String prefix) {
    Set<Long> before = new HashSet<>();
    for (ThreadInfo t : MX.getThreadInfo(MX.getAllThreadIds())) {
      if (t != null && t.getThreadName().startsWith(prefix)) {
        before.add(t.getThreadId());
      }
    }
    target = new Target(prefix, Set.copyOf(before));
    peak.set(0);
  }

  /** Forgets the peak so far: from now on it starts at the threads alive now. */
  public void resetPeak() {
    peak.set(0);
    count();
  }

  /** Returns: the watched threads alive right now (and counts this look towards the peak). */
  public int count() {
    Target t = target;
    int n = 0;
    for (ThreadInfo info : MX.getThreadInfo(MX.getAllThreadIds())) {
      if (info != null && info.getThreadName().startsWith(t.prefix()) && !t.before().contains(info.getThreadId())) {
        n++;
      }
    }
    peak.accumulateAndGet(n, Math::max);
    return n;
  }

  /** Returns: the most watched threads seen alive at once since {@link #watch}. */
  public int peak() {
    return peak.get();
  }

  /**
   * Waits until the watched threads have exited, for at most {@code timeout}; a scheduler's
   * threads outlive its disposal by a moment.
   *
   * @return the watched threads still alive after the wait
   */
  public int awaitGone(Duration timeout) throws InterruptedException {
    Target t = target;
    long deadline = System.nanoTime() + timeout.toNanos();
    int alive = 0;
    for (Thread thread : Thread.getAllStackTraces().keySet()) {
      if (thread.getName().startsWith(t.prefix()) && !t.before().contains(thread.getId())) {
        long left = deadline - System.nanoTime();
        if (left > 0) {
          thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        }
        if (thread.isAlive()) {
          alive++;
        }
      }
    }
    return alive;
  }

  private void loop() {
    while (!closed) {
      count();
      LockSupport.parkNanos(this, periodNanos);
    }
  }

  /** Stops the sampler and waits for it; an interrupt ends the wait and stays set. Idempotent. */
  @Override
  public void close() {
    closed = true;
    LockSupport.unpark(sampler);
    try {
      sampler.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
