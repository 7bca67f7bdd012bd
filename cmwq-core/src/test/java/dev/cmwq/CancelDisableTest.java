package dev.cmwq;

import static dev.cmwq.TestBlocking.block;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.cmwq.TestBlocking.Blocked;
import dev.cmwq.TestBlocking.Call;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Cancelling and disabling work items (spec §6 items 3 and 4): cancel of pending and idle items,
 * cancelSync against running and self-requeuing items, nested disable/enable and their limits,
 * and the calls an item may not make on itself.
 */
class CancelDisableTest extends TestRuntimes {

  /** How a pending item is held back behind a running blocker. */
  enum Holdback {
    ORDERED,
    BOUND_MAX_ACTIVE_1,
    UNBOUND_MAX_ACTIVE_1
  }

  private static Workqueue build(WorkqueueRuntime rt, Holdback h, String name) {
    Workqueue.Builder b = Workqueue.builder(name).runtime(rt);
    switch (h) {
      case ORDERED:
        b.ordered();
        break;
      case BOUND_MAX_ACTIVE_1:
        b.maxActive(1);
        break;
      case UNBOUND_MAX_ACTIVE_1:
        b.unbound().maxActive(1);
        break;
      default:
        throw new AssertionError(h);
    }
    return b.build();
  }

  // ---- cancel ----

  @ParameterizedTest
  @EnumSource(Holdback.class)
  void cancelOfAPendingItemReturnsTrueAndItNeverRuns(Holdback h) throws Exception {
    WorkqueueRuntime rt = runtime(2);
    Workqueue wq = build(rt, h, "cd-cancel-" + h.ordinal());
    Blocked blocker = new Blocked();
    AtomicInteger runs = new AtomicInteger();
    Work w = Work.of(runs::incrementAndGet);
    try {
      assertThat(wq.queueWorkOn(0, blocker.work)).isTrue();
      blocker.awaitRunning();
      assertThat(wq.queueWorkOn(0, w)).isTrue();
      assertThat(w.isPending()).isTrue();
      assertThat(wq.congested(0)).as("held back by max_active").isTrue();
      assertThat(wq.stats().inactive()).isEqualTo(1);

      assertThat(w.cancel()).as("cancel of a pending item").isTrue();
      assertThat(w.isPending()).isFalse();
      assertThat(w.busy()).isEmpty();
      assertThat(wq.congested(0)).isFalse();
      assertThat(wq.stats().inactive()).isZero();
      assertThat(w.cancel()).as("cancel again: no longer pending").isFalse();
    } finally {
      blocker.release.countDown();
    }
    wq.flushAsync().get(10, SECONDS);
    assertThat(runs).as("a cancelled item never runs").hasValue(0);
    assertThat(blocker.count).hasValue(1);
    assertThat(wq.stats().started()).as("only the blocker started").isEqualTo(1);

    // cancelling did not break the item: it can be queued and run again
    assertThat(wq.queueWork(w)).isTrue();
    wq.flushAsync().get(10, SECONDS);
    assertThat(runs).hasValue(1);
  }

  @Test
  void cancelOfAnIdleItemReturnsFalse() throws Exception {
    WorkqueueRuntime rt = runtime(2);
    Workqueue wq = Workqueue.builder("cd-cancel-idle").runtime(rt).build();
    AtomicInteger runs = new AtomicInteger();
    Work w = Work.of(runs::incrementAndGet);
    assertThat(w.cancel()).as("never queued").isFalse();
    assertThat(wq.queueWork(w)).isTrue();
    wq.flushAsync().get(10, SECONDS);
    assertThat(runs).hasValue(1);
    assertThat(w.cancel()).as("ran and finished").isFalse();
    assertThat(w.cancelSync()).as("cancelSync of an idle item").isFalse();
    assertThat(runs).hasValue(1);
  }

  @Test
  void cancelOfARunningItemReturnsFalseAndDoesNotWait() throws Exception {
    WorkqueueRuntime rt = runtime(2);
    Workqueue wq = Workqueue.builder("cd-cancel-running").runtime(rt).build();
    Blocked b = new Blocked();
    try {
      assertThat(wq.queueWork(b.work)).isTrue();
      b.awaitRunning();
      assertThat(b.work.cancel()).as("running, not pending").isFalse();
      assertThat(b.finished).as("cancel did not wait for the running instance").isFalse();
      assertThat(b.work.busy()).containsExactly(WorkBusy.RUNNING);
    } finally {
      b.release.countDown();
    }
    wq.flushAsync().get(10, SECONDS);
    assertThat(b.count).hasValue(1);
  }

  // ---- cancelSync ----

  @Test
  void cancelSyncOfAPendingItemReturnsTrueAndItNeverRuns() throws Exception {
    WorkqueueRuntime rt = runtime(2);
    Workqueue wq = Workqueue.builder("cd-cancelsync-pending").ordered().runtime(rt).build();
    Blocked blocker = new Blocked();
    AtomicInteger runs = new AtomicInteger();
    Work w = Work.of(runs::incrementAndGet);
    try {
      assertThat(wq.queueWork(blocker.work)).isTrue();
      blocker.awaitRunning();
      assertThat(wq.queueWork(w)).isTrue();
      assertThat(new Call<>("cancelSync", w::cancelSync).get()).isTrue();
      assertThat(w.isPending()).isFalse();
    } finally {
      blocker.release.countDown();
    }
    wq.flushAsync().get(10, SECONDS);
    assertThat(runs).hasValue(0);
    assertThat(wq.queueWork(w)).as("enabled again after cancelSync").isTrue();
    wq.flushAsync().get(10, SECONDS);
    assertThat(runs).hasValue(1);
  }

  @Test
  void cancelSyncWaitsForTheRunningInstance() throws Exception {
    WorkqueueRuntime rt = runtime(2);
    Workqueue wq = Workqueue.builder("cd-cancelsync-wait").runtime(rt).build();
    Blocked b = new Blocked();
    Call<Boolean[]> cancel;
    try {
      assertThat(wq.queueWork(b.work)).isTrue();
      b.awaitRunning();
      cancel =
          new Call<>(
              "cancelSync",
              () -> {
                boolean r = b.work.cancelSync();
                return new Boolean[] {r, b.finished.get()};
              });
      cancel.awaitWaiting();
      assertThat(b.finished).isFalse();
    } finally {
      b.release.countDown();
    }
    Boolean[] r = cancel.get();
    assertThat(r[0]).as("it was running, not pending").isFalse();
    assertThat(r[1]).as("the running instance had finished when cancelSync returned").isTrue();
    assertThat(b.work.busy()).isEmpty();
    assertThat(b.count).hasValue(1);
  }

  @Test
  void queueWorkReturnsFalseDuringCancelSyncOfARunningItem() throws Exception {
    WorkqueueRuntime rt = runtime(2);
    Workqueue wq = Workqueue.builder("cd-cancelsync-requeue").runtime(rt).build();
    CountDownLatch runs = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicReference<Boolean> requeuedFromInside = new AtomicReference<>();
    AtomicInteger count = new AtomicInteger();
    AtomicReference<Work> self = new AtomicReference<>();
    Work w =
        Work.of(
            () -> {
              if (count.incrementAndGet() == 1) {
                runs.countDown();
                block(release);
                requeuedFromInside.set(wq.queueWork(self.get()));
              }
            });
    self.set(w);
    Call<Boolean> cancel;
    try {
      assertThat(wq.queueWork(w)).isTrue();
      assertThat(runs.await(10, SECONDS)).isTrue();
      cancel = new Call<>("cancelSync", w::cancelSync).awaitWaiting();
      assertThat(wq.queueWork(w)).as("queueWork from another thread during cancelSync").isFalse();
      assertThat(wq.queueWorkOn(1, w)).isFalse();
      assertThat(w.isPending()).isFalse();
    } finally {
      release.countDown();
    }
    assertThat(cancel.get()).as("it was not pending").isFalse();
    assertThat(requeuedFromInside.get()).as("queueWork from the item itself during cancelSync").isFalse();
    assertThat(w.busy()).isEmpty();
    wq.flushAsync().get(10, SECONDS);
    assertThat(count).as("nothing ran after cancelSync").hasValue(1);

    assertThat(wq.queueWork(w)).as("enabled again after cancelSync").isTrue();
    wq.flushAsync().get(10, SECONDS);
    assertThat(count).hasValue(2);
  }

  @Test
  void cancelSyncTerminatesASelfRequeuingItem() throws Exception {
    WorkqueueRuntime rt = runtime(2);
    Workqueue bound = Workqueue.builder("cd-selfrequeue-b").runtime(rt).build();
    Workqueue unbound = Workqueue.builder("cd-selfrequeue-u").unbound().runtime(rt).build();
    for (int iteration = 0; iteration < 60; iteration++) {
      Workqueue wq = iteration % 2 == 0 ? bound : unbound;
      int before = 1 + iteration % 20;
      AtomicInteger runs = new AtomicInteger();
      AtomicInteger falseReturns = new AtomicInteger();
      CountDownLatch warmedUp = new CountDownLatch(before);
      AtomicReference<Work> self = new AtomicReference<>();
      int cpus = rt.cpus();
      Work w =
          Work.of(
              () -> {
                int n = runs.incrementAndGet();
                warmedUp.countDown();
                // alternate slots so the requeue also crosses pools
                if (!wq.queueWorkOn(n % cpus, self.get())) {
                  falseReturns.incrementAndGet();
                }
              });
      self.set(w);
      assertThat(wq.queueWork(w)).isTrue();
      assertThat(warmedUp.await(10, SECONDS)).isTrue();

      boolean wasPending = new Call<>("cancelSync", w::cancelSync).get();

      int runsAtReturn = runs.get();
      assertThat(w.isPending()).as("iteration %d: idle after cancelSync", iteration).isFalse();
      assertThat(w.busy()).as("iteration %d", iteration).isEmpty();
      // either it was grabbed while pending (no requeue failed), or it was running and its
      // own requeue during the cancel returned false, exactly once
      assertThat(falseReturns.get())
          .as("iteration %d: requeues that returned false (cancelSync returned %s)", iteration, wasPending)
          .isEqualTo(wasPending ? 0 : 1);
      wq.flushAsync().get(10, SECONDS);
      assertThat(runs.get()).as("iteration %d: no run after cancelSync returned", iteration).isEqualTo(runsAtReturn);
    }
  }

  // ---- disable / enable ----

  @Test
  void disableNestsAndOnlyTheLastEnableReturnsTrue() throws Exception {
    WorkqueueRuntime rt = runtime(2);
    Workqueue wq = Workqueue.builder("cd-disable-nest").runtime(rt).build();
    AtomicInteger runs = new AtomicInteger();
    Work w = Work.of(runs::incrementAndGet);

    assertThat(w.disable()).as("idle: was not pending").isFalse();
    assertThat(w.disable()).isFalse();
    assertThat(wq.queueWork(w)).as("disabled twice").isFalse();
    assertThat(w.enable()).as("depth 2 -> 1").isFalse();
    assertThat(wq.queueWork(w)).as("still disabled once").isFalse();
    assertThat(wq.queueWorkOn(0, w)).isFalse();
    assertThat(w.isPending()).isFalse();
    assertThat(w.enable()).as("depth 1 -> 0").isTrue();
    assertThat(runs).hasValue(0);

    assertThat(wq.queueWork(w)).as("enabled: queueable again").isTrue();
    wq.flushAsync().get(10, SECONDS);
    assertThat(runs).hasValue(1);
  }

  @Test
  void everyQueueingOfADisabledItemReturnsFalse() throws Exception {
    WorkqueueRuntime rt = runtime(2);
    Workqueue wq = Workqueue.builder("cd-disable-all").runtime(rt).build();
    Workqueue unbound = Workqueue.builder("cd-disable-all-u").unbound().runtime(rt).build();
    AtomicInteger runs = new AtomicInteger();
    DelayedWork w = DelayedWork.of(runs::incrementAndGet);
    assertThat(w.disable()).isFalse();

    assertThat(wq.queueWork(w)).isFalse();
    assertThat(wq.queueWorkOn(1, w)).isFalse();
    assertThat(unbound.queueWork(w)).isFalse();
    assertThat(wq.queueDelayedWork(w, Duration.ZERO)).isFalse();
    assertThat(wq.queueDelayedWork(w, Duration.ofHours(1))).as("no timer armed").isFalse();
    assertThat(wq.queueDelayedWorkOn(0, w, Duration.ofHours(1))).isFalse();
    assertThat(w.isPending()).isFalse();
    assertThat(rt.checkAtRest()).as("nothing queued or armed").isEmpty();

    assertThat(w.enable()).isTrue();
    assertThat(wq.queueDelayedWork(w, Duration.ZERO)).isTrue();
    wq.flushAsync().get(10, SECONDS);
    assertThat(runs).hasValue(1);
  }

  @Test
  void disableOfAPendingItemReturnsTrueAndItNeverRuns() throws Exception {
    WorkqueueRuntime rt = runtime(2);
    Workqueue wq = Workqueue.builder("cd-disable-pending").ordered().runtime(rt).build();
    Blocked blocker = new Blocked();
    AtomicInteger runs = new AtomicInteger();
    Work w = Work.of(runs::incrementAndGet);
    try {
      assertThat(wq.queueWork(blocker.work)).isTrue();
      blocker.awaitRunning();
      assertThat(wq.queueWork(w)).isTrue();
      assertThat(w.disable()).as("was pending").isTrue();
      assertThat(w.isPending()).isFalse();
      assertThat(wq.queueWork(w)).isFalse();
    } finally {
      blocker.release.countDown();
    }
    wq.flushAsync().get(10, SECONDS);
    assertThat(runs).hasValue(0);
    assertThat(w.enable()).isTrue();
    assertThat(wq.queueWork(w)).isTrue();
    wq.flushAsync().get(10, SECONDS);
    assertThat(runs).hasValue(1);
  }

  @Test
  void disableDepthIsCappedAt65535() {
    Work w = Work.of(() -> {});
    for (int i = 0; i < 65_535; i++) {
      assertThat(w.disable()).isFalse();
    }
    assertThatThrownBy(w::disable).isInstanceOf(IllegalStateException.class).hasMessageContaining("65535");
    // the failed disable left the depth at 65535: it takes 65535 enables to get back
    for (int i = 0; i < 65_534; i++) {
      if (w.enable()) {
        throw new AssertionError("enable " + (i + 1) + " of 65535 reported depth 0");
      }
    }
    assertThat(w.enable()).isTrue();
    assertThatThrownBy(w::enable).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void enableOfAnItemThatIsNotDisabledThrows() throws Exception {
    WorkqueueRuntime rt = runtime(2);
    Workqueue wq = Workqueue.builder("cd-enable-underflow").runtime(rt).build();
    AtomicInteger runs = new AtomicInteger();
    Work w = Work.of(runs::incrementAndGet);
    assertThatThrownBy(w::enable).isInstanceOf(IllegalStateException.class).hasMessageContaining("enable");
    assertThat(w.disable()).isFalse();
    assertThat(w.enable()).isTrue();
    assertThatThrownBy(w::enable).isInstanceOf(IllegalStateException.class);
    // the failed enables did not leave it disabled, nor below zero
    assertThat(wq.queueWork(w)).isTrue();
    wq.flushAsync().get(10, SECONDS);
    assertThat(runs).hasValue(1);
    assertThat(w.disable()).isFalse();
    assertThat(wq.queueWork(w)).as("one disable after the underflows disables it").isFalse();
    assertThat(w.enable()).isTrue();
  }

  @Test
  void disableOfARunningItemDoesNotWaitAndBlocksItsRequeue() throws Exception {
    WorkqueueRuntime rt = runtime(2);
    Workqueue wq = Workqueue.builder("cd-disable-running").runtime(rt).build();
    Blocked b = new Blocked();
    try {
      assertThat(wq.queueWork(b.work)).isTrue();
      b.awaitRunning();
      assertThat(b.work.disable()).as("running, not pending").isFalse();
      assertThat(b.finished).isFalse();
      assertThat(wq.queueWork(b.work)).as("disabled while running").isFalse();
    } finally {
      b.release.countDown();
    }
    wq.flushAsync().get(10, SECONDS);
    assertThat(b.count).hasValue(1);
    assertThat(b.work.enable()).isTrue();
  }

  @Test
  void disableSyncWaitsForTheRunningInstance() throws Exception {
    WorkqueueRuntime rt = runtime(2);
    Workqueue wq = Workqueue.builder("cd-disablesync-wait").unbound().runtime(rt).build();
    Blocked b = new Blocked();
    Call<Boolean[]> disable;
    try {
      assertThat(wq.queueWork(b.work)).isTrue();
      b.awaitRunning();
      disable =
          new Call<>(
              "disableSync",
              () -> {
                boolean r = b.work.disableSync();
                return new Boolean[] {r, b.finished.get()};
              });
      disable.awaitWaiting();
      assertThat(wq.queueWork(b.work)).as("disabled while disableSync waits").isFalse();
    } finally {
      b.release.countDown();
    }
    Boolean[] r = disable.get();
    assertThat(r[0]).as("it was running, not pending").isFalse();
    assertThat(r[1]).as("the running instance had finished when disableSync returned").isTrue();
    assertThat(wq.queueWork(b.work)).as("still disabled after disableSync").isFalse();
    assertThat(b.work.enable()).isTrue();
    assertThat(b.count).hasValue(1);
  }

  // ---- calls an item may not make on itself ----

  @Test
  void waitingCallsOnItselfFromInsideTheItemThrow() throws Exception {
    WorkqueueRuntime rt = runtime(2);
    Workqueue wq = Workqueue.builder("cd-self-calls").runtime(rt).build();
    AtomicReference<Throwable> cancelSync = new AtomicReference<>();
    AtomicReference<Throwable> flush = new AtomicReference<>();
    AtomicReference<Throwable> disableSync = new AtomicReference<>();
    AtomicReference<Boolean> cancel = new AtomicReference<>();
    AtomicReference<Work> self = new AtomicReference<>();
    Work w =
        Work.of(
            () -> {
              Work me = self.get();
              cancelSync.set(thrown(me::cancelSync));
              flush.set(thrown(me::flush));
              disableSync.set(thrown(me::disableSync));
              cancel.set(me.cancel());
            });
    self.set(w);
    assertThat(wq.queueWork(w)).isTrue();
    wq.flushAsync().get(10, SECONDS);

    assertThat(cancelSync.get())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("cancelSync")
        .hasMessageContaining("itself");
    assertThat(flush.get()).isInstanceOf(IllegalStateException.class).hasMessageContaining("flush");
    assertThat(disableSync.get()).isInstanceOf(IllegalStateException.class).hasMessageContaining("disableSync");
    assertThat(cancel.get()).as("plain cancel from inside is allowed: not pending").isFalse();
    // the refused calls left no trace: not disabled, not pending
    assertThat(w.isPending()).isFalse();
    assertThat(wq.queueWork(w)).isTrue();
    wq.flushAsync().get(10, SECONDS);
  }

  @Test
  void cancelSyncOfAnotherItemFromInsideAnItemWaitsForIt() throws Exception {
    WorkqueueRuntime rt = runtime(1);
    Workqueue wq = Workqueue.builder("cd-cancel-other").runtime(rt).build();
    Blocked other = new Blocked();
    AtomicReference<Object> result = new AtomicReference<>();
    AtomicReference<Thread> cancellerThread = new AtomicReference<>();
    CountDownLatch aboutToCancel = new CountDownLatch(1);
    Work canceller =
        Work.of(
            () -> {
              cancellerThread.set(Thread.currentThread());
              aboutToCancel.countDown();
              try {
                boolean r = other.work.cancelSync();
                result.set(new Boolean[] {r, other.finished.get()});
              } catch (Throwable t) {
                result.set(t);
              }
            });
    try {
      assertThat(wq.queueWork(other.work)).isTrue();
      other.awaitRunning();
      // same (only) CPU slot: runs because the blocked item declared its blocking
      assertThat(wq.queueWork(canceller)).isTrue();
      assertThat(aboutToCancel.await(10, SECONDS)).isTrue();
      await()
          .atMost(Duration.ofSeconds(10))
          .pollInterval(Duration.ofMillis(1))
          .until(() -> result.get() != null || cancellerThread.get().getState() == Thread.State.WAITING);
      assertThat(result.get()).as("cancelSync on a worker returned before the item finished").isNull();
    } finally {
      other.release.countDown();
    }
    wq.flushAsync().get(10, SECONDS);
    assertThat(result.get()).isInstanceOf(Boolean[].class);
    Boolean[] r = (Boolean[]) result.get();
    assertThat(r[0]).as("it was running, not pending").isFalse();
    assertThat(r[1]).as("cancelSync on a worker waited for the running instance").isTrue();
  }

  private interface Throwing {
    Object call() throws Exception;
  }

  private static Throwable thrown(Throwing c) {
    try {
      c.call();
      return null;
    } catch (Throwable t) {
      return t;
    }
  }
}
