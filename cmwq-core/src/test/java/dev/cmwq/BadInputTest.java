package dev.cmwq;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.Test;

/** DESIGN.md §8: what a user gets for bad input and failures (immediate work, no rescuer). */
class BadInputTest extends TestRuntimes {

  private static final String NAME_32 = "abcdefghijklmnopqrstuvwxyz012345";

  /** What an operation attempted inside a work item threw, or null if it returned normally. */
  private interface Attempt {
    void run() throws Exception;
  }

  private static Runnable reportTo(CompletableFuture<Throwable> result, Attempt attempt) {
    return () -> {
      try {
        attempt.run();
        result.complete(null);
      } catch (Throwable t) {
        result.complete(t);
      }
    };
  }

  // ---- null and out-of-range arguments ----

  @Test
  void nullWorkIsANullPointerExceptionNamingWork() {
    WorkqueueRuntime rt = runtime(2);
    Workqueue wq = Workqueue.builder("bi-null").runtime(rt).build();
    assertThatThrownBy(() -> wq.queueWork(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("work");
    assertThatThrownBy(() -> wq.queueWorkOn(1, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("work");
    assertThatThrownBy(() -> Work.of(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("fn");
    assertThatThrownBy(() -> wq.applyAttrs(null)).isInstanceOf(RuntimeException.class);
    assertThat(wq.stats().started()).isZero();
  }

  @Test
  void workqueueNamesMustHave1To32Characters() {
    assertThatThrownBy(() -> Workqueue.builder(null)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Workqueue.builder("")).isInstanceOf(IllegalArgumentException.class);
    assertThat(NAME_32).hasSize(32);
    assertThatThrownBy(() -> Workqueue.builder(NAME_32 + "x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("32");

    WorkqueueRuntime rt = runtime(1);
    Workqueue wq = Workqueue.builder(NAME_32).runtime(rt).build();
    assertThat(wq.name()).isEqualTo(NAME_32);
    assertThat(Workqueue.builder("x").runtime(rt).build().name()).isEqualTo("x");
  }

  @Test
  void cpuSlotsOutsideTheRuntimeAreIllegal() {
    WorkqueueRuntime rt = runtime(2);
    Workqueue bound = Workqueue.builder("bi-cpu").runtime(rt).build();
    Workqueue unbound = Workqueue.builder("bi-cpu-u").unbound().runtime(rt).build();
    Work w = Work.of(() -> {});
    for (Workqueue wq : List.of(bound, unbound)) {
      assertThatThrownBy(() -> wq.queueWorkOn(-1, w)).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> wq.queueWorkOn(2, w))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("2");
      assertThatThrownBy(() -> wq.queueWorkOn(Integer.MIN_VALUE, w)).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> wq.congested(-1)).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> wq.congested(2)).isInstanceOf(IllegalArgumentException.class);
    }
    assertThat(w.isPending()).as("a rejected item is not left pending").isFalse();
    assertThat(bound.stats().started()).isZero();
  }

  // ---- destroyed workqueues ----

  @Test
  void queueingOnADestroyedWorkqueueIsRejected() throws Exception {
    WorkqueueRuntime rt = runtime(2);
    Workqueue wq = Workqueue.builder("bi-destroyed").runtime(rt).build();
    CountDownLatch ran = new CountDownLatch(1);
    assertThat(wq.queueWork(Work.of(ran::countDown))).isTrue();
    wq.destroy();
    assertThat(ran.getCount()).as("destroy waited for the queued item").isZero();
    assertThat(wq.isDestroyed()).isTrue();

    Work w = Work.of(() -> {});
    assertThatThrownBy(() -> wq.queueWork(w))
        .isInstanceOf(RejectedExecutionException.class)
        .hasMessageContaining("bi-destroyed");
    assertThatThrownBy(() -> wq.queueWorkOn(1, w)).isInstanceOf(RejectedExecutionException.class);
    assertThat(w.isPending()).as("a rejected item is not left pending").isFalse();
    wq.destroy(); // idempotent
    wq.close();

    Workqueue closed = Workqueue.builder("bi-closed").unbound().runtime(rt).build();
    closed.close();
    assertThat(closed.isDestroyed()).isTrue();
    assertThatThrownBy(() -> closed.queueWork(w)).isInstanceOf(RejectedExecutionException.class);
  }

  @Test
  void systemWorkqueuesCannotBeDestroyed() throws Exception {
    WorkqueueRuntime rt = runtime(1);
    assertThatThrownBy(() -> rt.systemWq().destroy()).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> rt.systemUnboundWq().close()).isInstanceOf(IllegalStateException.class);
    CountDownLatch ran = new CountDownLatch(1);
    assertThat(rt.systemWq().queueWork(Work.of(ran::countDown))).isTrue();
    awaitLatch(ran);
  }

  // ---- max_active ----

  @Test
  void maxActiveOutOfRangeIsClampedNotRejected() {
    WorkqueueRuntime rt = runtime(1);
    assertThatCode(() -> Workqueue.builder("bi-ma0").maxActive(0).runtime(rt).build()).doesNotThrowAnyException();
    assertThat(Workqueue.builder("bi-ma1").maxActive(5000).runtime(rt).build().maxActive()).isEqualTo(2048);
    assertThat(Workqueue.builder("bi-ma2").maxActive(-3).runtime(rt).build().maxActive()).isEqualTo(1);
    assertThat(Workqueue.builder("bi-ma3").maxActive(Integer.MIN_VALUE).runtime(rt).build().maxActive())
        .isEqualTo(1);
    assertThat(Workqueue.builder("bi-ma4").maxActive(Integer.MAX_VALUE).runtime(rt).build().maxActive())
        .isEqualTo(2048);
    Workqueue wq = Workqueue.builder("bi-ma5").runtime(rt).build();
    assertThatCode(() -> wq.setMaxActive(100_000)).doesNotThrowAnyException();
    assertThat(wq.maxActive()).isEqualTo(2048);
    assertThatCode(() -> wq.setMaxActive(-1)).doesNotThrowAnyException();
    assertThat(wq.maxActive()).isEqualTo(1);
  }

  // ---- disable depth ----

  @Test
  void disableNestsTo65535AndEnableBelowZeroIsIllegal() throws Exception {
    WorkqueueRuntime rt = runtime(1);
    Workqueue wq = Workqueue.builder("bi-disable").runtime(rt).build();
    CountDownLatch ran = new CountDownLatch(1);
    Work w = Work.of(ran::countDown);
    assertThatThrownBy(w::enable)
        .as("enable of an item that was never disabled")
        .isInstanceOf(IllegalStateException.class);

    for (int i = 0; i < 65_535; i++) {
      w.disable();
    }
    assertThatThrownBy(w::disable).isInstanceOf(IllegalStateException.class).hasMessageContaining("65535");
    assertThat(wq.queueWork(w)).as("disabled").isFalse();
    for (int i = 0; i < 65_534; i++) {
      assertThat(w.enable()).isFalse();
    }
    assertThat(wq.queueWork(w)).as("still disabled once").isFalse();
    assertThat(w.enable()).as("depth reached 0").isTrue();
    assertThatThrownBy(w::enable).isInstanceOf(IllegalStateException.class);

    assertThat(wq.queueWork(w)).isTrue();
    awaitLatch(ran);
    wq.flush();
  }

  // ---- waiting for yourself ----

  @Test
  void workqueueFlushDrainAndDestroyFromInsideItsOwnItemAreIllegal() throws Exception {
    WorkqueueRuntime rt = runtime(2);
    Workqueue wq = Workqueue.builder("bi-self-wq").runtime(rt).build();
    Workqueue other = Workqueue.builder("bi-other-wq").runtime(rt).build();
    CompletableFuture<Throwable> flush = new CompletableFuture<>();
    CompletableFuture<Throwable> drain = new CompletableFuture<>();
    CompletableFuture<Throwable> destroy = new CompletableFuture<>();
    CompletableFuture<Throwable> flushOther = new CompletableFuture<>();
    wq.queueWork(Work.of(reportTo(flush, wq::flush)));
    wq.queueWork(Work.of(reportTo(drain, wq::drain)));
    wq.queueWork(Work.of(reportTo(destroy, wq::destroy)));
    // flushing another workqueue from an item is fine
    wq.queueWork(Work.of(reportTo(flushOther, other::flush)));

    assertThat(flush.get(10, SECONDS))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("flush")
        .hasMessageContaining("bi-self-wq");
    assertThat(drain.get(10, SECONDS)).isInstanceOf(IllegalStateException.class);
    assertThat(destroy.get(10, SECONDS))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("destroy");
    assertThat(flushOther.get(10, SECONDS)).isNull();
    assertThat(wq.isDestroyed()).isFalse();
    wq.flush();
    assertThat(wq.stats().completed()).isEqualTo(4);
  }

  @Test
  void workFlushCancelSyncAndDisableSyncFromInsideTheItemAreIllegal() throws Exception {
    WorkqueueRuntime rt = runtime(2);
    Workqueue wq = Workqueue.builder("bi-self-work").runtime(rt).build();
    CompletableFuture<Throwable> flush = new CompletableFuture<>();
    CompletableFuture<Throwable> cancelSync = new CompletableFuture<>();
    CompletableFuture<Throwable> disableSync = new CompletableFuture<>();
    Work[] self = new Work[3];
    self[0] = Work.of(reportTo(flush, () -> self[0].flush()));
    self[1] = Work.of(reportTo(cancelSync, () -> self[1].cancelSync()));
    self[2] = Work.of(reportTo(disableSync, () -> self[2].disableSync()));
    for (Work w : self) {
      assertThat(wq.queueWork(w)).isTrue();
    }
    assertThat(flush.get(10, SECONDS)).isInstanceOf(IllegalStateException.class).hasMessageContaining("flush");
    assertThat(cancelSync.get(10, SECONDS))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("cancelSync");
    assertThat(disableSync.get(10, SECONDS)).isInstanceOf(IllegalStateException.class);
    wq.flush();

    // the failed calls changed nothing: the items are idle, enabled and can run again
    CountDownLatch again = new CountDownLatch(1);
    Work probe = Work.of(again::countDown);
    CompletableFuture<Throwable> flushOther = new CompletableFuture<>();
    assertThat(wq.queueWork(self[2])).as("disableSync from inside did not disable").isTrue();
    wq.flush();
    // flushing or cancelling a different item from inside an item is fine
    assertThat(wq.queueWork(Work.of(reportTo(flushOther, () -> {
          wq.queueWork(probe);
          probe.flush();
        }))))
        .isTrue();
    assertThat(flushOther.get(10, SECONDS)).isNull();
    assertThat(again.getCount()).isZero();
    wq.flush();
  }

  // ---- throwing items ----

  private static final class CustomError extends Error {
    CustomError(String message) {
      super(message);
    }
  }

  @Test
  void aThrowingItemDoesNotKillItsWorker() throws Exception {
    expectFailures = true;
    WorkqueueRuntime rt = runtime(1);
    Workqueue wq = Workqueue.builder("bi-throw").runtime(rt).build();
    List<Thread> threads = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch lastRan = new CountDownLatch(1);
    Work last =
        Work.of(
            () -> {
              threads.add(Thread.currentThread());
              lastRan.countDown();
            });
    Work throwsError =
        Work.of(
            () -> {
              threads.add(Thread.currentThread());
              wq.queueWork(last);
              throw new CustomError("error on purpose");
            });
    Work throwsException =
        Work.of(
            () -> {
              threads.add(Thread.currentThread());
              // chained on the same CPU slot: the same worker takes it after this one fails
              wq.queueWork(throwsError);
              throw new IllegalStateException("exception on purpose");
            });
    assertThat(wq.queueWork(throwsException)).isTrue();
    awaitLatch(lastRan);
    wq.flush();

    assertThat(threads).hasSize(3);
    assertThat(threads.get(1)).as("the worker lived on after the exception").isSameAs(threads.get(0));
    assertThat(threads.get(2)).as("the worker lived on after the error").isSameAs(threads.get(0));
    assertThat(threads.get(0).isAlive()).isTrue();
    assertThat(failures).hasSize(2);
    assertThat(failures)
        .anySatisfy(t -> assertThat(t).isInstanceOf(IllegalStateException.class).hasMessage("exception on purpose"))
        .anySatisfy(t -> assertThat(t).isInstanceOf(CustomError.class).hasMessage("error on purpose"));
    WorkqueueStats s = wq.stats();
    assertThat(s.started()).isEqualTo(3);
    assertThat(s.completed()).isEqualTo(3);
    assertThat(s.failed()).isEqualTo(2);
    assertThat(s.inFlight()).isZero();
  }

  // ---- attributes and runtime builder ----

  @Test
  void workqueueAttrsRejectNiceOutsideMinus20To19AndNegativeCpus() {
    assertThatThrownBy(() -> new WorkqueueAttrs(-21, Set.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("-21");
    assertThatThrownBy(() -> WorkqueueAttrs.defaults().withNice(20))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("20");
    assertThat(WorkqueueAttrs.defaults().withNice(-20).nice()).isEqualTo(-20);
    assertThat(WorkqueueAttrs.defaults().withNice(19).nice()).isEqualTo(19);
    assertThatThrownBy(() -> WorkqueueAttrs.defaults().withCpus(Set.of(0, -1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new WorkqueueAttrs(0, Set.of(-5))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new WorkqueueAttrs(0, null)).isInstanceOf(NullPointerException.class);
    assertThat(WorkqueueAttrs.defaults().withCpus(Set.of(0, 3)).cpus()).containsExactlyInAnyOrder(0, 3);
  }

  @Test
  void runtimeBuilderRejectsBadDurations() {
    assertThatThrownBy(() -> WorkqueueRuntime.builder().idleTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("idleTimeout");
    assertThatThrownBy(() -> WorkqueueRuntime.builder().idleTimeout(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("idleTimeout");
    assertThatThrownBy(() -> WorkqueueRuntime.builder().idleTimeout(null))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> WorkqueueRuntime.builder().cpuIntensiveThreshold(Duration.ofNanos(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cpuIntensiveThreshold");
    assertThatThrownBy(() -> WorkqueueRuntime.builder().watchdogThreshold(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("watchdogThreshold");
    // zero disables those two: accepted
    assertThatCode(
            () -> WorkqueueRuntime.builder().cpuIntensiveThreshold(Duration.ZERO).watchdogThreshold(Duration.ZERO))
        .doesNotThrowAnyException();
    assertThatCode(() -> WorkqueueRuntime.builder().idleTimeout(Duration.ofNanos(1))).doesNotThrowAnyException();
  }
}
