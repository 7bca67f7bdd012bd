package dev.cmwq.benchmarks;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A thread factory that counts the platform threads a scheduler under test has alive, and the
 * peak of that count. Every scheduler in {@link MixedBlocking} — cmwq runtimes, Reactor's
 * {@code newParallel}/{@code newBoundedElastic}, {@code ForkJoinPool} — takes a factory, so the
 * count is exact: a thread counts from the moment it starts running until its body returns. A
 * periodic sampler (by name prefix or thread-count delta) would miss threads that live shorter
 * than its period and would count the JIT's own threads; this does neither.
 *
 * <p>Threads are daemons named {@code prefix + n}. One counter per scheduler instance.
 */
final class ThreadCounter implements ThreadFactory {

  private final String prefix;
  private final AtomicInteger created = new AtomicInteger();
  private final AtomicInteger alive = new AtomicInteger();
  private final AtomicInteger peak = new AtomicInteger();

  ThreadCounter(String prefix) {
    this.prefix = prefix;
  }

  @Override
  public Thread newThread(Runnable body) {
    Thread t =
        new Thread(
            () -> {
              enter();
              try {
                body.run();
              } finally {
                exit();
              }
            },
            prefix + created.incrementAndGet());
    t.setDaemon(true);
    return t;
  }

  /** Returns: a {@link ForkJoinPool} worker factory that counts into this counter. */
  ForkJoinPool.ForkJoinWorkerThreadFactory forkJoin() {
    return pool -> {
      ForkJoinWorkerThread t =
          new ForkJoinWorkerThread(pool) {
            @Override
            protected void onStart() {
              super.onStart();
              enter();
            }

            @Override
            protected void onTermination(Throwable exception) {
              exit();
              super.onTermination(exception);
            }
          };
      t.setName(prefix + created.incrementAndGet());
      return t;
    };
  }

  private void enter() {
    int now = alive.incrementAndGet();
    peak.accumulateAndGet(now, Math::max);
  }

  private void exit() {
    alive.decrementAndGet();
  }

  /** Returns: the most threads that were alive at once so far. */
  int peak() {
    return peak.get();
  }

  /** Returns: threads alive now. */
  int alive() {
    return alive.get();
  }

  /** Returns: threads created so far. */
  int created() {
    return created.get();
  }
}
