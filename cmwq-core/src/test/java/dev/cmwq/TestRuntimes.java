package dev.cmwq;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterEach;

/**
 * Base for tests that need isolated runtimes. Every runtime made through {@link #runtime} is
 * checked after the test: it must come back to rest (nothing queued, running, in flight or
 * armed), every failure a work item threw is reported, and then it is shut down and must leave
 * no thread behind.
 */
public abstract class TestRuntimes {

  private final List<WorkqueueRuntime> runtimes = new ArrayList<>();

  /** What work items threw on the runtimes of this test. */
  protected final ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();

  /** Failures a test provokes on purpose; they do not fail the test. */
  protected boolean expectFailures;

  /** Waits up to 10 s for {@code latch} to reach zero; fails the test if it does not. */
  protected static void awaitLatch(java.util.concurrent.CountDownLatch latch) throws InterruptedException {
    awaitLatch(latch, "latch reached zero in time");
  }

  /** As {@link #awaitLatch(java.util.concurrent.CountDownLatch)}, saying {@code what} on failure. */
  protected static void awaitLatch(java.util.concurrent.CountDownLatch latch, String what) throws InterruptedException {
    org.assertj.core.api.Assertions.assertThat(latch.await(10, java.util.concurrent.TimeUnit.SECONDS))
        .as("%s (count %d)", what, latch.getCount())
        .isTrue();
  }

  /**
   * Inside a work item: waits up to 10 s for the test to open {@code latch}; throws
   * AssertionError (a failed item) if it does not.
   */
  protected static void gate(java.util.concurrent.CountDownLatch latch) {
    try {
      if (!latch.await(10, java.util.concurrent.TimeUnit.SECONDS)) {
        throw new AssertionError("gate was not opened in time");
      }
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  /** Returns: a new runtime with {@code cpus} CPU slots, checked and shut down after the test. */
  protected WorkqueueRuntime runtime(int cpus) {
    return runtime(WorkqueueRuntime.builder().cpus(cpus));
  }

  /** Returns: a runtime from {@code b}, with the failure collector installed. */
  protected WorkqueueRuntime runtime(WorkqueueRuntime.Builder b) {
    WorkqueueRuntime rt = b.uncaughtExceptionHandler((t, e) -> failures.add(e)).build();
    runtimes.add(rt);
    return rt;
  }

  @AfterEach
  void checkRuntimesAtRest() throws InterruptedException {
    try {
      for (WorkqueueRuntime rt : runtimes) {
        if (rt.isShutdown()) {
          continue;
        }
        await()
            .atMost(Duration.ofSeconds(20))
            .pollInterval(Duration.ofMillis(5))
            .untilAsserted(() -> org.assertj.core.api.Assertions.assertThat(rt.checkAtRest()).as(rt.dump()).isEmpty());
      }
      if (!expectFailures) {
        org.assertj.core.api.Assertions.assertThat(failures).as("work items threw").isEmpty();
      }
    } finally {
      for (WorkqueueRuntime rt : runtimes) {
        rt.shutdown();
      }
      for (WorkqueueRuntime rt : runtimes) {
        org.assertj.core.api.Assertions.assertThat(rt.awaitTermination(Duration.ofSeconds(20)))
            .as("threads left after shutdown")
            .isTrue();
      }
    }
  }
}
