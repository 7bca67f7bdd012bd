package dev.cmwq;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * {@link WorkqueueRuntime#freeze()} / {@link WorkqueueRuntime#thaw()} (kernel suspend path, spec
 * §3.9 and §6 item 17): freezable workqueues stop activating, running items finish, thaw resumes
 * in order; other workqueues are untouched.
 */
class FreezeTest extends TestRuntimes {

  private static void await(CountDownLatch gate) {
    try {
      if (!gate.await(10, SECONDS)) {
        throw new AssertionError("gate was not opened in time");
      }
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void freezeCompletesOnlyWhenTheRunningItemFinishes() throws Exception {
    WorkqueueRuntime rt = runtime(2);
    Workqueue wq = Workqueue.builder("fz-running").freezable().runtime(rt).build();
    CountDownLatch running = new CountDownLatch(1);
    CountDownLatch gate = new CountDownLatch(1);
    CountDownLatch finished = new CountDownLatch(1);
    wq.queueWork(
        Work.of(
            () -> {
              running.countDown();
              await(gate);
              finished.countDown();
            }));
    awaitLatch(running);

    CompletableFuture<Void> frozen = rt.freeze();
    try {
      assertThat(frozen).as("an item of a freezable workqueue still runs").isNotDone();
      // queueing while frozen is accepted but does not start the item
      CountDownLatch heldRan = new CountDownLatch(1);
      assertThat(wq.queueWork(Work.of(heldRan::countDown))).isTrue();
      assertThat(wq.stats().inactive()).isEqualTo(1);
      assertThat(frozen).isNotDone();

      gate.countDown();
      frozen.get(10, SECONDS);
      assertThat(finished.getCount()).as("the running item finished before the freeze completed").isZero();
      assertThat(heldRan.getCount()).as("the held item has not run").isEqualTo(1);
      assertThat(wq.stats().inactive()).isEqualTo(1);
      assertThat(wq.stats().started()).isEqualTo(1);

      rt.thaw();
      awaitLatch(heldRan);
      wq.flush();
      assertThat(wq.stats().inactive()).isZero();
      assertThat(wq.stats().completed()).isEqualTo(2);
    } finally {
      gate.countDown();
      rt.thaw();
    }
  }

  @Test
  void whileFrozenItemsAreHeldOtherWorkqueuesRunAndThawStartsThemInFifoOrder() throws Exception {
    WorkqueueRuntime rt = runtime(2);
    Workqueue ordered = Workqueue.builder("fz-ordered").ordered().freezable().runtime(rt).build();
    Workqueue bound = Workqueue.builder("fz-bound").freezable().runtime(rt).build();
    Workqueue plain = Workqueue.builder("fz-plain").runtime(rt).build();
    Workqueue plainUnbound = Workqueue.builder("fz-plain-u").unbound().runtime(rt).build();

    CompletableFuture<Void> frozen = rt.freeze();
    try {
      assertThat(frozen).as("nothing runs: the freeze completes at once").isDone();
      frozen.get(0, SECONDS);

      int n = 30;
      List<Integer> order = Collections.synchronizedList(new ArrayList<>());
      CountDownLatch heldDone = new CountDownLatch(2 * n);
      for (int i = 0; i < n; i++) {
        int id = i;
        assertThat(
                ordered.queueWork(
                    Work.of(
                        () -> {
                          order.add(id);
                          heldDone.countDown();
                        })))
            .isTrue();
        assertThat(bound.queueWorkOn(i % 2, Work.of(heldDone::countDown))).isTrue();
      }
      assertThat(ordered.stats().inactive()).isEqualTo(n);
      assertThat(bound.stats().inactive()).isEqualTo(n);
      assertThat(ordered.stats().started()).isZero();
      assertThat(bound.stats().started()).isZero();

      // non-freezable workqueues, and the runtime's system workqueues, keep running
      CountDownLatch othersRan = new CountDownLatch(3);
      assertThat(plain.queueWork(Work.of(othersRan::countDown))).isTrue();
      assertThat(plainUnbound.queueWork(Work.of(othersRan::countDown))).isTrue();
      assertThat(rt.systemWq().queueWork(Work.of(othersRan::countDown))).isTrue();
      awaitLatch(othersRan);
      plain.flush();
      plainUnbound.flush();
      assertThat(order).as("frozen items stayed held while others ran").isEmpty();
      assertThat(heldDone.getCount()).isEqualTo(2 * n);
      assertThat(ordered.stats().inactive()).isEqualTo(n);

      rt.thaw();
      awaitLatch(heldDone);
      ordered.flush();
      bound.flush();
      assertThat(order).containsExactlyElementsOf(IntStream.range(0, n).boxed().toList());
      assertThat(ordered.stats().inactive()).isZero();
      assertThat(bound.stats().inactive()).isZero();
      assertThat(bound.stats().completed()).isEqualTo(n);
    } finally {
      rt.thaw();
    }
  }

  @Test
  void thawReleasesHeldItemsOfABoundWorkqueueInFifoOrder() throws Exception {
    WorkqueueRuntime rt = runtime(1);
    // max_active 1 makes the slot strictly serial, so start order is observable
    Workqueue wq = Workqueue.builder("fz-fifo").freezable().maxActive(1).runtime(rt).build();
    CompletableFuture<Void> frozen = rt.freeze();
    try {
      frozen.get(10, SECONDS);
      int n = 25;
      List<Integer> order = Collections.synchronizedList(new ArrayList<>());
      CountDownLatch done = new CountDownLatch(n);
      for (int i = 0; i < n; i++) {
        int id = i;
        wq.queueWork(
            Work.of(
                () -> {
                  order.add(id);
                  done.countDown();
                }));
      }
      assertThat(wq.stats().inactive()).isEqualTo(n);
      rt.thaw();
      awaitLatch(done);
      wq.flush();
      assertThat(order).containsExactlyElementsOf(IntStream.range(0, n).boxed().toList());
    } finally {
      rt.thaw();
    }
  }

  @Test
  void freezeIgnoresItemsRunningOnNonFreezableWorkqueues() throws Exception {
    WorkqueueRuntime rt = runtime(2);
    Workqueue freezable = Workqueue.builder("fz-idle").freezable().runtime(rt).build();
    Workqueue plain = Workqueue.builder("fz-busy").runtime(rt).build();
    CountDownLatch running = new CountDownLatch(1);
    CountDownLatch gate = new CountDownLatch(1);
    plain.queueWork(
        Work.of(
            () -> {
              running.countDown();
              await(gate);
            }));
    awaitLatch(running);
    CompletableFuture<Void> frozen = rt.freeze();
    try {
      assertThat(frozen).as("no freezable workqueue runs anything").isDone();
      assertThat(freezable.stats().inFlight()).isZero();
    } finally {
      gate.countDown();
      rt.thaw();
    }
    plain.flush();
  }

  @Test
  void thawBeforeTheRunningItemFinishedCancelsTheFreezeFuture() throws Exception {
    WorkqueueRuntime rt = runtime(2);
    Workqueue wq = Workqueue.builder("fz-cancel").freezable().runtime(rt).build();
    CountDownLatch running = new CountDownLatch(1);
    CountDownLatch gate = new CountDownLatch(1);
    wq.queueWorkOn(
        0,
        Work.of(
            () -> {
              running.countDown();
              await(gate);
            }));
    awaitLatch(running);
    CompletableFuture<Void> frozen;
    try {
      frozen = rt.freeze();
      assertThat(frozen).isNotDone();
      CountDownLatch heldRan = new CountDownLatch(1);
      // on the other CPU slot, so concurrency management does not hold it behind the first
      assertThat(wq.queueWorkOn(1, Work.of(heldRan::countDown))).isTrue();
      assertThat(wq.stats().inactive()).isEqualTo(1);

      rt.thaw();
      assertThat(frozen).isCompletedExceptionally();
      assertThatThrownBy(() -> frozen.get(10, SECONDS)).isInstanceOf(CancellationException.class);
      // thawed: the held item runs even though the first one is still running
      awaitLatch(heldRan);
    } finally {
      gate.countDown();
      rt.thaw();
    }
    wq.flush();
    // thaw without a freeze is a no-op
    rt.thaw();
    assertThat(wq.stats().completed()).isEqualTo(2);
  }

  @Test
  void aFreezableWorkqueueCreatedWhileFrozenStartsFrozen() throws Exception {
    WorkqueueRuntime rt = runtime(2);
    CompletableFuture<Void> frozen = rt.freeze();
    try {
      frozen.get(10, SECONDS);
      Workqueue late = Workqueue.builder("fz-late").freezable().runtime(rt).build();
      Workqueue lateUnbound = Workqueue.builder("fz-late-u").unbound().freezable().runtime(rt).build();
      Workqueue latePlain = Workqueue.builder("fz-late-plain").runtime(rt).build();
      CountDownLatch heldRan = new CountDownLatch(2);
      assertThat(late.queueWork(Work.of(heldRan::countDown))).isTrue();
      assertThat(lateUnbound.queueWork(Work.of(heldRan::countDown))).isTrue();
      assertThat(late.stats().inactive()).isEqualTo(1);
      assertThat(lateUnbound.stats().inactive()).isEqualTo(1);

      CountDownLatch plainRan = new CountDownLatch(1);
      assertThat(latePlain.queueWork(Work.of(plainRan::countDown))).isTrue();
      awaitLatch(plainRan);
      latePlain.flush();
      assertThat(heldRan.getCount()).isEqualTo(2);
      assertThat(late.stats().started()).isZero();
      assertThat(lateUnbound.stats().started()).isZero();

      rt.thaw();
      awaitLatch(heldRan);
      late.flush();
      lateUnbound.flush();
      assertThat(late.stats().inactive()).isZero();
      assertThat(lateUnbound.stats().inactive()).isZero();
    } finally {
      rt.thaw();
    }
  }

  @Test
  void freezeWhileFrozenIsDoneAndASecondFreezeCycleHoldsItemsAgain() throws Exception {
    WorkqueueRuntime rt = runtime(1);
    Workqueue wq = Workqueue.builder("fz-twice").freezable().runtime(rt).build();
    CompletableFuture<Void> first = rt.freeze();
    try {
      first.get(10, SECONDS);
      CountDownLatch ran = new CountDownLatch(1);
      wq.queueWork(Work.of(ran::countDown));
      CompletableFuture<Void> again = rt.freeze();
      assertThat(again).isDone();
      assertThat(wq.stats().inactive()).isEqualTo(1);
      rt.thaw();
      awaitLatch(ran);
      wq.flush();

      // a new freeze after a thaw holds items again
      CompletableFuture<Void> second = rt.freeze();
      second.get(10, SECONDS);
      CountDownLatch ran2 = new CountDownLatch(1);
      wq.queueWork(Work.of(ran2::countDown));
      assertThat(wq.stats().inactive()).isEqualTo(1);
      assertThat(ran2.getCount()).isEqualTo(1);
      rt.thaw();
      awaitLatch(ran2);
      wq.flush();
    } finally {
      rt.thaw();
    }
  }
}
