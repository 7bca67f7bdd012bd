package dev.cmwq;

import static dev.cmwq.TestBlocking.awaitParked;
import static dev.cmwq.TestBlocking.block;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.cmwq.TestBlocking.Blocked;
import dev.cmwq.TestBlocking.Call;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Flushing, draining and destroying (spec §6 items 6, 7 and 8): {@code Work.flush},
 * {@code Workqueue.flush} and its colours, {@code drain} with chained queueing, and
 * {@code destroy}.
 */
class FlushDrainTest extends TestRuntimes {

  enum Kind {
    BOUND,
    UNBOUND,
    ORDERED
  }

  private static Workqueue build(WorkqueueRuntime rt, Kind kind, String name) {
    Workqueue.Builder b = Workqueue.builder(name).runtime(rt);
    if (kind == Kind.UNBOUND) {
      b.unbound();
    } else if (kind == Kind.ORDERED) {
      b.ordered();
    }
    return b.build();
  }

  // ---- Work.flush ----

  @Test
  void flushOfAnIdleItemReturnsFalse() throws Exception {
    WorkqueueRuntime rt = runtime(2);
    Workqueue wq = Workqueue.builder("fd-flush-idle").runtime(rt).build();
    AtomicInteger runs = new AtomicInteger();
    Work w = Work.of(runs::incrementAndGet);
    assertThat(w.flush()).as("never queued").isFalse();
    assertThat(wq.queueWork(w)).isTrue();
    wq.flushAsync().get(10, SECONDS);
    assertThat(w.flush()).as("ran and finished").isFalse();
    assertThat(runs).hasValue(1);
  }

  @Test
  void flushWaitsForTheRunningInstance() throws Exception {
    WorkqueueRuntime rt = runtime(2);
    Workqueue wq = Workqueue.builder("fd-flush-running").runtime(rt).build();
    Blocked b = new Blocked();
    Call<Boolean[]> flush;
    try {
      assertThat(wq.queueWork(b.work)).isTrue();
      b.awaitRunning();
      flush = new Call<>("flush", () -> new Boolean[] {b.work.flush(), b.finished.get()}).awaitWaiting();
    } finally {
      b.release.countDown();
    }
    Boolean[] r = flush.get();
    assertThat(r[0]).as("it waited").isTrue();
    assertThat(r[1]).as("the run had finished when flush returned").isTrue();
  }

  @Test
  void flushWaitsForAQueuedInstance() throws Exception {
    WorkqueueRuntime rt = runtime(2);
    Workqueue wq = Workqueue.builder("fd-flush-queued").ordered().runtime(rt).build();
    Blocked blocker = new Blocked();
    AtomicInteger runs = new AtomicInteger();
    Work w = Work.of(runs::incrementAndGet);
    Call<Integer[]> flush;
    try {
      assertThat(wq.queueWork(blocker.work)).isTrue();
      blocker.awaitRunning();
      assertThat(wq.queueWork(w)).isTrue();
      flush = new Call<>("flush", () -> new Integer[] {w.flush() ? 1 : 0, runs.get()}).awaitWaiting();
    } finally {
      blocker.release.countDown();
    }
    Integer[] r = flush.get();
    assertThat(r[0]).as("it waited").isEqualTo(1);
    assertThat(r[1]).as("the queued instance had run when flush returned").isEqualTo(1);
  }

  @Test
  void flushOfAnItemHeldInactiveByMaxActiveWaitsForItsActivationAndRun() throws Exception {
    WorkqueueRuntime rt = runtime(2);
    Workqueue wq = Workqueue.builder("fd-flush-inactive").maxActive(1).runtime(rt).build();
    Blocked blocker = new Blocked();
    AtomicInteger runs = new AtomicInteger();
    Work w = Work.of(runs::incrementAndGet);
    Call<Integer[]> flush;
    try {
      assertThat(wq.queueWorkOn(0, blocker.work)).isTrue();
      blocker.awaitRunning();
      assertThat(wq.queueWorkOn(0, w)).isTrue();
      assertThat(wq.congested(0)).as("w is held back").isTrue();
      assertThat(wq.stats().inactive()).isEqualTo(1);
      flush = new Call<>("flush", () -> new Integer[] {w.flush() ? 1 : 0, runs.get()}).awaitWaiting();
      assertThat(runs).hasValue(0);
    } finally {
      blocker.release.countDown();
    }
    Integer[] r = flush.get();
    assertThat(r[0]).isEqualTo(1);
    assertThat(r[1]).as("activated and ran before flush returned").isEqualTo(1);
    assertThat(wq.congested(0)).isFalse();
  }

  @Test
  void flushOfAnInactiveItemEndsWhenTheItemIsCancelled() throws Exception {
    WorkqueueRuntime rt = runtime(2);
    Workqueue wq = Workqueue.builder("fd-flush-inactive-cancel").maxActive(1).runtime(rt).build();
    Blocked blocker = new Blocked();
    AtomicInteger runs = new AtomicInteger();
    Work w = Work.of(runs::incrementAndGet);
    try {
      assertThat(wq.queueWorkOn(0, blocker.work)).isTrue();
      blocker.awaitRunning();
      assertThat(wq.queueWorkOn(0, w)).isTrue();
      Call<Boolean> flush = new Call<>("flush", w::flush).awaitWaiting();
      assertThat(w.cancel()).isTrue();
      // the flush must not wait for an activation that will never come, nor for the blocker
      assertThat(flush.get()).as("it had waited").isTrue();
      assertThat(blocker.finished).isFalse();
      assertThat(wq.congested(0)).isFalse();
    } finally {
      blocker.release.countDown();
    }
    wq.flushAsync().get(10, SECONDS);
    assertThat(runs).hasValue(0);
  }

  // ---- Workqueue.flush ----

  @ParameterizedTest
  @EnumSource(
      value = Kind.class,
      names = {"BOUND", "UNBOUND"})
  void workqueueFlushWaitsOnlyForItemsQueuedBeforeIt(Kind kind) throws Exception {
    WorkqueueRuntime rt = runtime(2);
    Workqueue wq = build(rt, kind, "fd-wq-flush-" + kind.name().toLowerCase());
    Blocked before = new Blocked();
    Blocked after = new Blocked();
    try {
      assertThat(wq.queueWork(before.work)).isTrue();
      before.awaitRunning();
      CompletableFuture<Void> flush = wq.flushAsync();
      assertThat(wq.queueWork(after.work)).isTrue();
      after.awaitRunning();
      assertThat(flush).as("an item queued before the flush still runs").isNotDone();

      before.release.countDown();
      flush.get(10, SECONDS);
      assertThat(before.finished).isTrue();
      assertThat(after.finished).as("the flush did not wait for the later item").isFalse();
    } finally {
      before.release.countDown();
      after.release.countDown();
    }
    wq.flushAsync().get(10, SECONDS);
    assertThat(after.finished).isTrue();
  }

  @Test
  void workqueueFlushWaitsForEveryItemQueuedBeforeIt() throws Exception {
    WorkqueueRuntime rt = runtime(2);
    Workqueue wq = Workqueue.builder("fd-wq-flush-all").maxActive(2).runtime(rt).build();
    int n = 200;
    AtomicInteger done = new AtomicInteger();
    for (int i = 0; i < n; i++) {
      assertThat(wq.queueWorkOn(i % 2, Work.of(done::incrementAndGet))).isTrue();
    }
    wq.flush();
    assertThat(done).as("every item queued before flush() had run").hasValue(n);
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void aSelfRequeuingItemDoesNotLivelockFlush(Kind kind) throws Exception {
    WorkqueueRuntime rt = runtime(2);
    Workqueue wq = build(rt, kind, "fd-livelock-" + kind.name().toLowerCase());
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger runs = new AtomicInteger();
    CountDownLatch warmedUp = new CountDownLatch(20);
    AtomicReference<Work> self = new AtomicReference<>();
    Work w =
        Work.of(
            () -> {
              runs.incrementAndGet();
              warmedUp.countDown();
              if (!stop.get()) {
                wq.queueWork(self.get());
              }
            });
    self.set(w);
    try {
      assertThat(wq.queueWork(w)).isTrue();
      assertThat(warmedUp.await(10, SECONDS)).isTrue();
      wq.flushAsync().get(10, SECONDS);
      // a self-requeuing item is always pending or running: Work.flush waits for one instance
      assertThat(new Call<>("flush", w::flush).get()).as("the item was pending or running").isTrue();
      int afterFlushes = runs.get();
      await()
          .atMost(Duration.ofSeconds(10))
          .pollInterval(Duration.ofMillis(1))
          .until(() -> runs.get() > afterFlushes + 5);
    } finally {
      stop.set(true);
    }
    new Call<>("cancelSync", w::cancelSync).get();
    wq.flushAsync().get(10, SECONDS);
  }

  @ParameterizedTest
  @EnumSource(
      value = Kind.class,
      names = {"BOUND", "UNBOUND"})
  void fortyQueuedFlushesAllCompleteInOrder(Kind kind) throws Exception {
    WorkqueueRuntime rt = runtime(2);
    Workqueue wq = build(rt, kind, "fd-40-flushes-" + kind.name().toLowerCase());
    int flushers = 40;
    Blocked blocker = new Blocked();
    AtomicIntegerArray done = new AtomicIntegerArray(flushers);
    AtomicInteger outOfOrder = new AtomicInteger();
    List<CompletableFuture<Void>> flushes = new ArrayList<>();
    try {
      assertThat(wq.queueWork(blocker.work)).isTrue();
      blocker.awaitRunning();
      for (int i = 0; i < flushers; i++) {
        int me = i;
        assertThat(wq.queueWork(Work.of(() -> done.set(me, 1)))).isTrue();
        CompletableFuture<Void> f = wq.flushAsync();
        flushes.add(
            f.thenRun(
                () -> {
                  for (int j = 0; j <= me; j++) {
                    if (done.get(j) == 0) {
                      outOfOrder.incrementAndGet();
                    }
                  }
                }));
      }
      for (int i = 0; i < flushers; i++) {
        assertThat(flushes.get(i)).as("flush %d waits for the blocker queued before it", i).isNotDone();
      }
    } finally {
      blocker.release.countDown();
    }
    CompletableFuture.allOf(flushes.toArray(new CompletableFuture<?>[0])).get(10, SECONDS);
    assertThat(outOfOrder).as("a flush completed before an item queued before it had run").hasValue(0);
  }

  @ParameterizedTest
  @EnumSource(
      value = Kind.class,
      names = {"BOUND", "UNBOUND"})
  void fortyConcurrentFlushersWithItemsInFlightAllComplete(Kind kind) throws Exception {
    WorkqueueRuntime rt = runtime(2);
    Workqueue wq = build(rt, kind, "fd-40-flushers-" + kind.name().toLowerCase());
    int flushers = 40;
    Blocked blocker = new Blocked();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicReference<Work> self = new AtomicReference<>();
    Work requeuer =
        Work.of(
            () -> {
              if (!stop.get()) {
                wq.queueWork(self.get());
              }
            });
    self.set(requeuer);
    CyclicBarrier start = new CyclicBarrier(flushers);
    CountDownLatch aboutToFlush = new CountDownLatch(flushers);
    List<Call<Boolean>> calls = new ArrayList<>();
    try {
      assertThat(wq.queueWork(blocker.work)).isTrue();
      blocker.awaitRunning();
      assertThat(wq.queueWork(requeuer)).isTrue();
      for (int i = 0; i < flushers; i++) {
        calls.add(
            new Call<>(
                "flusher-" + i,
                () -> {
                  start.await(10, SECONDS);
                  AtomicBoolean mine = new AtomicBoolean();
                  wq.queueWork(Work.of(() -> mine.set(true)));
                  aboutToFlush.countDown();
                  wq.flush();
                  return mine.get();
                }));
      }
      // let every flusher get into flush() while the blocker holds them all back (best effort:
      // a thread parked on a lock inside flush() looks the same as one waiting for the flush)
      assertThat(aboutToFlush.await(10, SECONDS)).isTrue();
      await()
          .atMost(Duration.ofSeconds(10))
          .pollInterval(Duration.ofMillis(1))
          .until(() -> calls.stream().allMatch(c -> c.result.isDone() || c.thread.getState() == Thread.State.WAITING));
      for (Call<Boolean> c : calls) {
        assertThat(c.result).as(c.thread.getName() + " returned while an item queued before it was blocked").isNotDone();
      }
    } finally {
      blocker.release.countDown();
    }
    try {
      for (Call<Boolean> c : calls) {
        assertThat(c.get()).as(c.thread.getName() + ": its own item ran before its flush returned").isTrue();
      }
    } finally {
      stop.set(true);
      new Call<>("cancelSync", requeuer::cancelSync).get();
    }
    wq.flushAsync().get(10, SECONDS);
  }

  @Test
  void flushAsyncCompletes() throws Exception {
    WorkqueueRuntime rt = runtime(2);
    Workqueue wq = Workqueue.builder("fd-flush-async").unbound().runtime(rt).build();
    assertThat(wq.flushAsync().get(10, SECONDS)).as("empty workqueue").isNull();
    Blocked b = new Blocked();
    CompletableFuture<Void> f;
    try {
      assertThat(wq.queueWork(b.work)).isTrue();
      b.awaitRunning();
      f = wq.flushAsync();
      assertThat(f).isNotDone();
    } finally {
      b.release.countDown();
    }
    f.get(10, SECONDS);
    assertThat(b.finished).isTrue();
  }

  @Test
  void flushOrDrainFromInsideOneOfItsOwnItemsThrows() throws Exception {
    WorkqueueRuntime rt = runtime(2);
    Workqueue wq = Workqueue.builder("fd-flush-inside").runtime(rt).build();
    Workqueue other = Workqueue.builder("fd-flush-other").runtime(rt).build();
    AtomicReference<Throwable> flush = new AtomicReference<>();
    AtomicReference<Throwable> drain = new AtomicReference<>();
    AtomicReference<Throwable> flushOther = new AtomicReference<>();
    AtomicInteger otherRuns = new AtomicInteger();
    Work w =
        Work.of(
            () -> {
              flush.set(thrown(() -> {
                wq.flush();
                return null;
              }));
              drain.set(thrown(() -> {
                wq.drain();
                return null;
              }));
              other.queueWork(Work.of(otherRuns::incrementAndGet));
              flushOther.set(thrown(() -> {
                other.flush();
                return null;
              }));
            });
    assertThat(wq.queueWork(w)).isTrue();
    flushOrUnstick(rt, wq, other);
    assertThat(flush.get())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("flush()")
        .hasMessageContaining("fd-flush-inside");
    assertThat(drain.get()).isInstanceOf(IllegalStateException.class).hasMessageContaining("drain()");
    assertThat(flushOther.get()).as("flushing another workqueue from an item is allowed").isNull();
    assertThat(otherRuns).as("the other workqueue's flush waited for its item").hasValue(1);
  }

  @Test
  void flushFromAnItemLetsAnotherWorkerRunWhatItWaitsForWhileTheFirstWorkerIsStillBeingCreated()
      throws Exception {
    // The thread creating the pool's first worker (here the test thread, inside queueWork) is
    // held in Thread.start() until that worker, running the item, waits in flush(); then a little
    // longer, as if descheduled. The worker's "blocking now" kick, and any the runtime's sampler
    // makes, come while that creation is still in progress. Once it ends, the pool must still
    // get a worker for the item the flush waits for.
    AtomicBoolean first = new AtomicBoolean(true);
    ThreadFactory slowFirstStart =
        r ->
            new Thread(r) {
              @Override
              public synchronized void start() {
                super.start();
                if (first.compareAndSet(true, false)) {
                  awaitParked(this, new CompletableFuture<>());
                  pause(Duration.ofMillis(50)); // fault injection: a slow creator, not a synchronisation
                }
              }
            };
    WorkqueueRuntime rt = runtime(WorkqueueRuntime.builder().cpus(1).threadFactory(slowFirstStart));
    Workqueue wq = Workqueue.builder("fd-flush-slow-start").runtime(rt).build();
    Workqueue other = Workqueue.builder("fd-flush-slow-start-o").runtime(rt).build();
    AtomicBoolean otherRan = new AtomicBoolean();
    AtomicReference<Throwable> flushFailed = new AtomicReference<>();
    Work w =
        Work.of(
            () -> {
              other.queueWork(Work.of(() -> otherRan.set(true)));
              try {
                other.flush();
              } catch (Throwable t) {
                flushFailed.set(t);
              }
            });
    assertThat(wq.queueWork(w)).isTrue();
    flushOrUnstick(rt, wq, other);
    assertThat(flushFailed.get()).isNull();
    assertThat(otherRan).isTrue();
  }

  /**
   * Flushes {@code wqs} in turn. If a flush does not complete within 10 s, queues a no-op on
   * every CPU slot (queueing kicks the pool, which gets stuck items going, so the runtime can
   * come to rest after the test) and fails with the dump taken while stuck.
   */
  private static void flushOrUnstick(WorkqueueRuntime rt, Workqueue... wqs) throws Exception {
    for (Workqueue wq : wqs) {
      try {
        wq.flushAsync().get(10, SECONDS);
      } catch (TimeoutException e) {
        String dump = rt.dump();
        for (Workqueue q : wqs) {
          for (int cpu = 0; cpu < rt.cpus(); cpu++) {
            q.queueWorkOn(cpu, Work.of(() -> {}));
          }
        }
        throw new AssertionError("flush of " + wq.name() + " did not complete within 10 s; stuck:\n" + dump, e);
      }
    }
  }

  private static void pause(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---- drain ----

  @Test
  void drainAllowsAndWaitsForChainedRequeues() throws Exception {
    WorkqueueRuntime rt = runtime(2);
    Workqueue wq = Workqueue.builder("fd-drain-chain").runtime(rt).build();
    int chain = 100;
    CountDownLatch go = new CountDownLatch(1);
    AtomicInteger runs = new AtomicInteger();
    AtomicInteger refused = new AtomicInteger();
    AtomicReference<Throwable> rejected = new AtomicReference<>();
    AtomicReference<Work> self = new AtomicReference<>();
    Work w =
        Work.of(
            () -> {
              int n = runs.incrementAndGet();
              if (n == 1) {
                block(go);
              }
              if (n < chain) {
                try {
                  // alternate plain and cross-slot queueing
                  boolean ok = n % 2 == 0 ? wq.queueWork(self.get()) : wq.queueWorkOn(n % rt.cpus(), self.get());
                  if (!ok) {
                    refused.incrementAndGet();
                  }
                } catch (Throwable t) {
                  rejected.set(t);
                }
              }
            });
    self.set(w);
    CompletableFuture<Void> drain;
    try {
      assertThat(wq.queueWork(w)).isTrue();
      drain = wq.drainAsync();
      assertThat(drain).isNotDone();
    } finally {
      go.countDown();
    }
    drain.get(10, SECONDS);
    assertThat(rejected.get()).as("chained queueing during drain").isNull();
    assertThat(refused).hasValue(0);
    assertThat(runs).as("every chained requeue ran before drain returned").hasValue(chain);
    assertThat(w.busy()).isEmpty();
  }

  @Test
  void drainAllowsAChainOfDistinctItems() throws Exception {
    WorkqueueRuntime rt = runtime(2);
    Workqueue wq = Workqueue.builder("fd-drain-chain-items").unbound().runtime(rt).build();
    int chain = 50;
    CountDownLatch go = new CountDownLatch(1);
    AtomicIntegerArray ran = new AtomicIntegerArray(chain);
    AtomicReference<Throwable> rejected = new AtomicReference<>();
    Work[] items = new Work[chain];
    for (int i = chain - 1; i >= 0; i--) {
      int me = i;
      items[i] =
          Work.of(
              () -> {
                if (me == 0) {
                  block(go);
                }
                ran.set(me, 1);
                if (me + 1 < chain) {
                  try {
                    wq.queueWork(items[me + 1]);
                  } catch (Throwable t) {
                    rejected.set(t);
                  }
                }
              });
    }
    CompletableFuture<Void> drain;
    try {
      assertThat(wq.queueWork(items[0])).isTrue();
      drain = wq.drainAsync();
    } finally {
      go.countDown();
    }
    new Call<>(
            "drain",
            () -> {
              wq.drain();
              return null;
            })
        .get();
    drain.get(10, SECONDS);
    assertThat(rejected.get()).isNull();
    for (int i = 0; i < chain; i++) {
      assertThat(ran.get(i)).as("item %d of the chain ran before drain returned", i).isEqualTo(1);
    }
  }

  @Test
  void queueingFromOutsideWhileDrainingIsRejected() throws Exception {
    WorkqueueRuntime rt = runtime(2);
    Workqueue wq = Workqueue.builder("fd-drain-reject").runtime(rt).build();
    Workqueue other = Workqueue.builder("fd-drain-reject-other").runtime(rt).build();
    Blocked b = new Blocked();
    AtomicInteger xRuns = new AtomicInteger();
    Work x = Work.of(xRuns::incrementAndGet);
    DelayedWork dx = DelayedWork.of(xRuns::incrementAndGet);
    AtomicReference<Throwable> fromOtherWq = new AtomicReference<>();
    CompletableFuture<Void> drain;
    try {
      assertThat(wq.queueWork(b.work)).isTrue();
      b.awaitRunning();
      drain = wq.drainAsync();
      assertThat(drain).isNotDone();

      assertThatThrownBy(() -> wq.queueWork(x))
          .isInstanceOf(RejectedExecutionException.class)
          .hasMessageContaining("draining")
          .hasMessageContaining("fd-drain-reject");
      assertThatThrownBy(() -> wq.queueWorkOn(1, x)).isInstanceOf(RejectedExecutionException.class);
      assertThatThrownBy(() -> wq.queueDelayedWork(dx, Duration.ZERO))
          .isInstanceOf(RejectedExecutionException.class);
      assertThatThrownBy(() -> wq.queueDelayedWork(dx, Duration.ofHours(1)))
          .isInstanceOf(RejectedExecutionException.class);
      assertThat(x.isPending()).as("a rejected item is left idle").isFalse();
      assertThat(dx.isPending()).isFalse();

      // an item of another workqueue is not chained work either
      assertThat(
              other.queueWork(
                  Work.of(
                      () ->
                          fromOtherWq.set(
                              thrown(
                                  () -> wq.queueWork(Work.of(xRuns::incrementAndGet)))))))
          .isTrue();
      other.flushAsync().get(10, SECONDS);
      assertThat(fromOtherWq.get()).isInstanceOf(RejectedExecutionException.class);
      assertThat(drain).as("the drain still waits for the blocked item").isNotDone();
    } finally {
      b.release.countDown();
    }
    drain.get(10, SECONDS);
    assertThat(xRuns).as("nothing rejected ran").hasValue(0);
    assertThat(wq.queueWork(x)).as("accepting again after the drain").isTrue();
    wq.flushAsync().get(10, SECONDS);
    assertThat(xRuns).hasValue(1);
  }

  @Test
  void drainAsyncCompletes() throws Exception {
    WorkqueueRuntime rt = runtime(2);
    Workqueue wq = Workqueue.builder("fd-drain-async").unbound().runtime(rt).build();
    assertThat(wq.drainAsync().get(10, SECONDS)).as("empty workqueue").isNull();
    Blocked b = new Blocked();
    CompletableFuture<Void> f;
    try {
      assertThat(wq.queueWork(b.work)).isTrue();
      b.awaitRunning();
      f = wq.drainAsync();
      assertThat(f).isNotDone();
    } finally {
      b.release.countDown();
    }
    f.get(10, SECONDS);
    assertThat(b.finished).isTrue();
    assertThat(wq.queueWork(Work.of(() -> {}))).isTrue();
    wq.flushAsync().get(10, SECONDS);
  }

  // ---- destroy ----

  @Test
  void destroyedWorkqueueRejectsEveryQueueing() throws Exception {
    WorkqueueRuntime rt = runtime(2);
    Workqueue wq = Workqueue.builder("fd-destroyed").runtime(rt).build();
    AtomicInteger runs = new AtomicInteger();
    Work w = Work.of(runs::incrementAndGet);
    DelayedWork dw = DelayedWork.of(runs::incrementAndGet);
    wq.destroy();
    assertThat(wq.isDestroyed()).isTrue();

    assertThatThrownBy(() -> wq.queueWork(w))
        .isInstanceOf(RejectedExecutionException.class)
        .hasMessageContaining("destroyed")
        .hasMessageContaining("fd-destroyed");
    assertThatThrownBy(() -> wq.queueWorkOn(0, w)).isInstanceOf(RejectedExecutionException.class);
    assertThatThrownBy(() -> wq.queueWorkOn(1, w)).isInstanceOf(RejectedExecutionException.class);
    assertThatThrownBy(() -> wq.queueDelayedWork(dw, Duration.ZERO)).isInstanceOf(RejectedExecutionException.class);
    assertThatThrownBy(() -> wq.queueDelayedWork(dw, Duration.ofMinutes(5)))
        .isInstanceOf(RejectedExecutionException.class);
    assertThatThrownBy(() -> wq.queueDelayedWorkOn(1, dw, Duration.ofMinutes(5)))
        .isInstanceOf(RejectedExecutionException.class);
    assertThat(w.isPending()).isFalse();
    assertThat(dw.isPending()).isFalse();
    assertThat(runs).hasValue(0);

    // idempotent
    wq.destroy();
    wq.close();
    assertThat(wq.isDestroyed()).isTrue();
    assertThatThrownBy(() -> wq.queueWork(w)).isInstanceOf(RejectedExecutionException.class);
  }

  @Test
  void destroyingASystemWorkqueueThrows() throws Exception {
    WorkqueueRuntime rt = runtime(2);
    for (Workqueue sys : List.of(rt.systemWq(), rt.systemHighpriWq(), rt.systemLongWq(), rt.systemUnboundWq())) {
      assertThatThrownBy(sys::destroy)
          .as(sys.name())
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("system");
      assertThatThrownBy(sys::close).as(sys.name()).isInstanceOf(IllegalStateException.class);
      assertThat(sys.isDestroyed()).isFalse();
      AtomicInteger runs = new AtomicInteger();
      assertThat(sys.queueWork(Work.of(runs::incrementAndGet))).as("%s still works", sys.name()).isTrue();
      sys.flushAsync().get(10, SECONDS);
      assertThat(runs).hasValue(1);
    }
  }

  @Test
  void destroyCompletesItemsAlreadyQueued() throws Exception {
    WorkqueueRuntime rt = runtime(2);
    Workqueue wq = Workqueue.builder("fd-destroy-completes").ordered().runtime(rt).build();
    Blocked blocker = new Blocked();
    int n = 5;
    AtomicInteger runs = new AtomicInteger();
    Call<Integer> destroy;
    try {
      assertThat(wq.queueWork(blocker.work)).isTrue();
      blocker.awaitRunning();
      for (int i = 0; i < n; i++) {
        assertThat(wq.queueWork(Work.of(runs::incrementAndGet))).isTrue();
      }
      destroy =
          new Call<>(
                  "destroy",
                  () -> {
                    wq.destroy();
                    return runs.get();
                  })
              .awaitWaiting();
      assertThat(wq.isDestroyed()).isTrue();
      assertThatThrownBy(() -> wq.queueWork(Work.of(() -> {}))).isInstanceOf(RejectedExecutionException.class);
    } finally {
      blocker.release.countDown();
    }
    assertThat(destroy.get()).as("items queued before destroy had all run when it returned").isEqualTo(n);
    assertThat(blocker.finished).isTrue();
  }

  @Test
  void destroyCancelsArmedDelayedWork() throws Exception {
    WorkqueueRuntime rt = runtime(2);
    Workqueue wq = Workqueue.builder("fd-destroy-delayed").runtime(rt).build();
    AtomicInteger runs = new AtomicInteger();
    DelayedWork dw = DelayedWork.of(runs::incrementAndGet);
    assertThat(wq.queueDelayedWork(dw, Duration.ofHours(1))).isTrue();
    assertThat(dw.isPending()).isTrue();
    wq.destroy();
    assertThat(dw.isPending()).as("its timer was cancelled").isFalse();
    assertThat(runs).hasValue(0);
    assertThat(rt.checkAtRest()).as("no timer left armed").isEmpty();
  }

  @Test
  void destroyFromInsideOneOfItsOwnItemsThrows() throws Exception {
    WorkqueueRuntime rt = runtime(2);
    Workqueue wq = Workqueue.builder("fd-destroy-inside").runtime(rt).build();
    AtomicReference<Throwable> destroy = new AtomicReference<>();
    Work w =
        Work.of(
            () ->
                destroy.set(
                    thrown(
                        () -> {
                          wq.destroy();
                          return null;
                        })));
    assertThat(wq.queueWork(w)).isTrue();
    wq.flushAsync().get(10, SECONDS);
    assertThat(destroy.get()).isInstanceOf(IllegalStateException.class).hasMessageContaining("destroy()");
    assertThat(wq.isDestroyed()).isFalse();
    assertThat(wq.queueWork(w)).isTrue();
    wq.flushAsync().get(10, SECONDS);
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
