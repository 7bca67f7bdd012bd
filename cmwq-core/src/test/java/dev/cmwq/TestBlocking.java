package dev.cmwq;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

/** Test helpers for blocking inside a work item and for blocking calls watched from outside. */
final class TestBlocking {

  private TestBlocking() {}

  /** Blocks inside a work item on {@code latch}, declared to concurrency management; bounded. */
  static void block(CountDownLatch latch) {
    boolean released;
    try {
      released = Workqueues.blocking(() -> latch.await(10, SECONDS));
    } catch (Exception e) {
      throw new AssertionError("interrupted while blocked in a work item", e);
    }
    if (!released) {
      throw new AssertionError("the test did not release the latch within 10 s");
    }
  }

  /** Waits up to 10 s until {@code t} parks (waits for something), or {@code unlessDone} completes. */
  static void awaitParked(Thread t, CompletableFuture<?> unlessDone) {
    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(1))
        .until(
            () ->
                unlessDone.isDone()
                    || t.getState() == Thread.State.WAITING
                    || t.getState() == Thread.State.TIMED_WAITING);
  }

  /** A blocking call made on its own thread, so the test can watch it wait. */
  static final class Call<T> {
    final CompletableFuture<T> result = new CompletableFuture<>();
    final Thread thread;

    Call(String name, Callable<T> body) {
      thread =
          new Thread(
              () -> {
                try {
                  result.complete(body.call());
                } catch (Throwable e) {
                  result.completeExceptionally(e);
                }
              },
              name);
      thread.setDaemon(true);
      thread.start();
    }

    /** Waits until the call's thread parks (it waits for something), and checks it has not returned. */
    Call<T> awaitWaiting() {
      awaitParked(thread, result);
      assertThat(result).as(thread.getName() + " returned before it should have").isNotDone();
      return this;
    }

    T get() throws Exception {
      return result.get(10, SECONDS);
    }
  }

  /**
   * A work item that, once running, blocks (declared) until the test opens {@link #release};
   * {@link #finished} is set as its last act, {@link #count} counts its runs.
   */
  static final class Blocked {
    final CountDownLatch runs = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    final java.util.concurrent.atomic.AtomicBoolean finished = new java.util.concurrent.atomic.AtomicBoolean();
    final java.util.concurrent.atomic.AtomicInteger count = new java.util.concurrent.atomic.AtomicInteger();
    final Work work =
        Work.of(
            () -> {
              count.incrementAndGet();
              runs.countDown();
              block(release);
              finished.set(true);
            });

    /** Waits up to 10 s for the item to start. */
    void awaitRunning() throws InterruptedException {
      assertThat(runs.await(10, SECONDS)).as("blocked item started").isTrue();
    }
  }
}
