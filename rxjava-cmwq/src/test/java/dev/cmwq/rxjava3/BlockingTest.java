package dev.cmwq.rxjava3;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cmwq.WorkqueueRuntime;
import io.reactivex.rxjava3.core.Flowable;
import io.reactivex.rxjava3.subscribers.TestSubscriber;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/**
 * The point of cmwq: a task that blocks on {@code bound()} does not stall the tasks behind it,
 * even with one CPU slot, where {@code computation()} with one thread would deadlock.
 */
class BlockingTest extends RuntimeTestBase {

  @Test
  void aBlockedTaskOnBoundDoesNotStallTheNextOne() throws Exception {
    WorkqueueRuntime rt = runtime(WorkqueueRuntime.builder().cpus(1));
    WorkqueueScheduler s = CmwqSchedulers.bound(rt);
    CountDownLatch release = new CountDownLatch(1);
    CompletableFuture<Boolean> first = new CompletableFuture<>();
    s.scheduleDirect(
        () -> {
          try {
            first.complete(release.await(10, SECONDS)); // undeclared blocking: the sampler notices
          } catch (InterruptedException e) {
            first.complete(false);
          }
        });
    s.scheduleDirect(release::countDown); // only the next task can release the first
    assertThat(first.get(15, SECONDS)).as("the task behind the blocked one ran and released it").isTrue();
  }

  @Test
  void aBlockingPipelineStageDoesNotStallAnotherPipeline() throws Exception {
    WorkqueueRuntime rt = runtime(WorkqueueRuntime.builder().cpus(1));
    WorkqueueScheduler s = CmwqSchedulers.bound(rt);
    CountDownLatch release = new CountDownLatch(1);
    TestSubscriber<Boolean> blocked = Flowable.fromCallable(() -> release.await(10, SECONDS)).subscribeOn(s).test();
    TestSubscriber<Integer> other = Flowable.range(0, 1000).observeOn(s).doOnComplete(release::countDown).test();
    assertThat(other.await(15, SECONDS)).isTrue();
    other.assertValueCount(1000).assertComplete();
    assertThat(blocked.await(15, SECONDS)).isTrue();
    blocked.assertValues(true);
  }
}
