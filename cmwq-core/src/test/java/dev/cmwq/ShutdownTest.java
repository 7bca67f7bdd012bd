package dev.cmwq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Runtime shutdown meeting workqueue destroy, in either order and from a worker. */
class ShutdownTest extends TestRuntimes {

  @Test
  void destroyAfterShutdownReturnsAndQueuedItemsStillRun() throws Exception {
    WorkqueueRuntime rt = runtime(2);
    Workqueue wq = Workqueue.builder("sd-after").runtime(rt).build();
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger ran = new AtomicInteger();
    wq.queueWork(Work.of(() -> {
      await(release);
      ran.incrementAndGet();
    }));
    wq.queueWork(Work.of(ran::incrementAndGet));
    rt.shutdown();
    assertThatThrownBy(() -> wq.queueWork(Work.of(() -> {})))
        .isInstanceOf(RejectedExecutionException.class)
        .hasMessageContaining("shut down");
    CompletableFuture<Void> destroyed = CompletableFuture.runAsync(wq::destroy);
    release.countDown();
    destroyed.get(10, TimeUnit.SECONDS);
    assertThat(ran.get()).isEqualTo(2);
    assertThat(wq.isDestroyed()).isTrue();
    assertThat(rt.awaitTermination(Duration.ofSeconds(10))).isTrue();
  }

  @Test
  void destroyFromAWorkerOfAnotherWorkqueueAfterShutdownDoesNotHoldUpTermination() throws Exception {
    WorkqueueRuntime rt = runtime(1);
    Workqueue victim = Workqueue.builder("sd-victim").runtime(rt).build();
    Workqueue killer = Workqueue.builder("sd-killer").runtime(rt).build();
    CountDownLatch shutDown = new CountDownLatch(1);
    CompletableFuture<Void> destroyed = new CompletableFuture<>();
    killer.queueWork(Work.of(() -> {
      await(shutDown);
      try {
        victim.destroy();
        destroyed.complete(null);
      } catch (Throwable t) {
        destroyed.completeExceptionally(t);
      }
    }));
    rt.shutdown();
    shutDown.countDown();
    destroyed.get(10, TimeUnit.SECONDS);
    assertThat(rt.awaitTermination(Duration.ofSeconds(10))).isTrue();
  }

  private static void await(CountDownLatch l) {
    try {
      assertThat(l.await(10, TimeUnit.SECONDS)).isTrue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
