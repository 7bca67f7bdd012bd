package dev.cmwq.spring;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cmwq.Workqueue;
import dev.cmwq.WorkqueueRuntime;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.core.task.TaskRejectedException;

/** {@link WorkqueueTaskExecutor}: tasks as work items, submit, decoration, rejection. */
class WorkqueueTaskExecutorTest {

  private final String prefix = CmwqAutoConfigurationTest.uniquePrefix();
  private final WorkqueueRuntime runtime = WorkqueueRuntime.builder().cpus(2).threadNamePrefix(prefix).build();

  @AfterEach
  void shutDown() throws InterruptedException {
    runtime.shutdown();
    assertThat(runtime.awaitTermination(Duration.ofSeconds(20))).isTrue();
  }

  @Test
  void eachTaskIsAWorkItemOfTheWorkqueue() throws Exception {
    Workqueue wq = Workqueue.builder("exec").ordered().runtime(runtime).build();
    WorkqueueTaskExecutor executor = new WorkqueueTaskExecutor(wq);
    assertThat(executor.workqueue()).isSameAs(wq);
    List<Integer> order = new CopyOnWriteArrayList<>();
    for (int i = 0; i < 100; i++) {
      int x = i;
      executor.execute(() -> order.add(x));
    }
    Future<String> thread = executor.submit(() -> Thread.currentThread().getName());
    CompletableFuture<Void> done = executor.submitCompletable(() -> {});
    assertThat(thread.get(10, SECONDS)).startsWith(prefix + "u");
    done.get(10, SECONDS);
    wq.flush();
    // an ordered workqueue keeps them in order
    assertThat(order).hasSize(100).isSorted();
    assertThat(wq.stats().completed()).isEqualTo(102);
  }

  @Test
  void aDecoratorWrapsEveryTask() throws Exception {
    Workqueue wq = Workqueue.builder("exec-deco").runtime(runtime).build();
    List<String> seen = new CopyOnWriteArrayList<>();
    WorkqueueTaskExecutor executor =
        new WorkqueueTaskExecutor(
            wq,
            task -> () -> {
              seen.add("before");
              task.run();
            });
    executor.submit(() -> seen.add("task")).get(10, SECONDS);
    assertThat(seen).containsExactly("before", "task");
  }

  @Test
  void aDestroyedWorkqueueRejectsWithSpringsException() {
    Workqueue wq = Workqueue.builder("exec-gone").runtime(runtime).build();
    WorkqueueTaskExecutor executor = new WorkqueueTaskExecutor(wq);
    wq.destroy();
    assertThatThrownBy(() -> executor.execute(() -> {}))
        .isInstanceOf(TaskRejectedException.class)
        .isInstanceOf(RejectedExecutionException.class)
        .hasMessageContaining("exec-gone");
    assertThatThrownBy(() -> executor.execute(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> new WorkqueueTaskExecutor(null)).isInstanceOf(NullPointerException.class);
  }
}
