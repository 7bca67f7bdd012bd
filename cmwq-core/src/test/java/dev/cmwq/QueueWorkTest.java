package dev.cmwq;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Queueing a work item (spec §6 items 1 and 2): idempotent while pending, exactly once more when
 * queued while running, never concurrent with itself, visibility of the queuer's writes,
 * {@code busy()}, {@code currentWork()} and what happens when an item throws.
 */
class QueueWorkTest extends TestRuntimes {

  enum Kind {
    BOUND,
    UNBOUND,
    ORDERED,
    HIGHPRI
  }

  private static Workqueue build(WorkqueueRuntime rt, Kind kind, String name) {
    Workqueue.Builder b = Workqueue.builder(name).runtime(rt);
    switch (kind) {
      case UNBOUND:
        b.unbound();
        break;
      case ORDERED:
        b.ordered();
        break;
      case HIGHPRI:
        b.highpri();
        break;
      default:
        break;
    }
    return b.build();
  }

  /** Blocks inside a work item on {@code latch}, declared to concurrency management; bounded. */
  private static void block(CountDownLatch latch) {
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

  /** Runs {@code c} on a helper thread and returns its result, failing after 10 s. */
  private static <T> T within(Callable<T> c) throws Exception {
    CompletableFuture<T> f = new CompletableFuture<>();
    Thread t =
        new Thread(
            () -> {
              try {
                f.complete(c.call());
              } catch (Throwable e) {
                f.completeExceptionally(e);
              }
            },
            "test-helper");
    t.setDaemon(true);
    t.start();
    return f.get(10, SECONDS);
  }

  /** Queues a no-op item on every CPU slot of {@code wq} and waits until they have all run. */
  private static void awaitMarkersOnEverySlot(Workqueue wq) throws InterruptedException {
    int cpus = wq.runtime().cpus();
    CountDownLatch markers = new CountDownLatch(cpus);
    for (int cpu = 0; cpu < cpus; cpu++) {
      assertThat(wq.queueWorkOn(cpu, Work.of(markers::countDown))).isTrue();
    }
    assertThat(markers.await(10, SECONDS)).as("marker items ran").isTrue();
  }

  /** A work item that counts its runs and records whether it ever overlapped itself. */
  static final class Probe extends Work {
    final AtomicInteger running = new AtomicInteger();
    final AtomicInteger maxRunning = new AtomicInteger();
    final AtomicInteger runs = new AtomicInteger();
    final List<String> events = Collections.synchronizedList(new ArrayList<>());
    private final IntConsumer body;

    Probe(IntConsumer body) {
      this.body = body;
    }

    @Override
    protected void execute() {
      int r = running.incrementAndGet();
      maxRunning.accumulateAndGet(r, Math::max);
      int n = runs.incrementAndGet();
      events.add("start" + n);
      try {
        body.accept(n);
      } finally {
        events.add("end" + n);
        running.decrementAndGet();
      }
    }
  }

  @Test
  void queueWorkReturnsFalseWhilePendingAndQueuesOnlyOnce() throws Exception {
    WorkqueueRuntime rt = runtime(2);
    Workqueue wq = Workqueue.builder("qw-pending").ordered().runtime(rt).build();
    CountDownLatch blockerRuns = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Work blocker =
        Work.of(
            () -> {
              blockerRuns.countDown();
              block(release);
            });
    AtomicInteger runs = new AtomicInteger();
    Work w = Work.of(runs::incrementAndGet);
    try {
      assertThat(wq.queueWork(blocker)).isTrue();
      assertThat(blockerRuns.await(10, SECONDS)).isTrue();

      assertThat(w.isPending()).isFalse();
      assertThat(wq.queueWork(w)).as("first queueing").isTrue();
      assertThat(w.isPending()).isTrue();
      assertThat(w.busy()).containsExactly(WorkBusy.PENDING);
      assertThat(wq.queueWork(w)).as("queueWork while pending").isFalse();
      assertThat(wq.queueWorkOn(0, w)).as("queueWorkOn(0) while pending").isFalse();
      assertThat(wq.queueWorkOn(1, w)).as("queueWorkOn(1) while pending").isFalse();
      assertThat(wq.stats().inactive()).as("held back once, not three times").isEqualTo(1);
      assertThat(runs).hasValue(0);
    } finally {
      release.countDown();
    }
    wq.flushAsync().get(10, SECONDS);
    assertThat(runs).as("queued once, ran once").hasValue(1);
    assertThat(w.isPending()).isFalse();

    assertThat(wq.queueWork(w)).as("idle again: queueable").isTrue();
    wq.flushAsync().get(10, SECONDS);
    assertThat(runs).hasValue(2);
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void requeueWhileRunningRunsExactlyOnceMoreAfterTheCurrentRun(Kind kind) throws Exception {
    WorkqueueRuntime rt = runtime(2);
    Workqueue wq = build(rt, kind, "qw-requeue-" + kind.name().toLowerCase());
    CountDownLatch firstRuns = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Probe w =
        new Probe(
            n -> {
              if (n == 1) {
                firstRuns.countDown();
                block(release);
              }
            });
    try {
      assertThat(wq.queueWork(w)).isTrue();
      assertThat(firstRuns.await(10, SECONDS)).isTrue();
      assertThat(w.isPending()).as("PENDING is cleared before the function runs").isFalse();
      assertThat(w.busy()).containsExactly(WorkBusy.RUNNING);

      assertThat(wq.queueWork(w)).as("queueWork while running").isTrue();
      assertThat(w.busy()).containsExactlyInAnyOrder(WorkBusy.PENDING, WorkBusy.RUNNING);
      assertThat(wq.queueWork(w)).as("queueWork while running and pending").isFalse();
      assertThat(wq.queueWorkOn(0, w)).isFalse();
      assertThat(wq.queueWorkOn(1, w)).isFalse();
      if (kind != Kind.ORDERED) {
        // items queued on every slot after the requeue have run: a requeued instance wrongly
        // placed on a worklist would have started by now
        awaitMarkersOnEverySlot(wq);
      }
      assertThat(w.runs).as("the requeued instance waits for the running one").hasValue(1);
      assertThat(w.busy()).containsExactlyInAnyOrder(WorkBusy.PENDING, WorkBusy.RUNNING);
    } finally {
      release.countDown();
    }
    wq.flushAsync().get(10, SECONDS);
    assertThat(w.runs).as("exactly once more").hasValue(2);
    assertThat(w.maxRunning).as("never concurrent with itself").hasValue(1);
    assertThat(w.events).containsExactly("start1", "end1", "start2", "end2");
    assertThat(w.busy()).isEmpty();
  }

  @Test
  void queuedOnAnotherCpuSlotWhileRunningDoesNotOverlap() throws Exception {
    WorkqueueRuntime rt = runtime(2);
    Workqueue wq = Workqueue.builder("qw-two-slots").runtime(rt).build();
    CountDownLatch firstRuns = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicReference<String> firstThread = new AtomicReference<>();
    AtomicReference<String> secondThread = new AtomicReference<>();
    Probe w =
        new Probe(
            n -> {
              if (n == 1) {
                firstThread.set(Thread.currentThread().getName());
                firstRuns.countDown();
                block(release);
              } else {
                secondThread.set(Thread.currentThread().getName());
              }
            });
    try {
      assertThat(wq.queueWorkOn(0, w)).isTrue();
      assertThat(firstRuns.await(10, SECONDS)).isTrue();
      assertThat(wq.queueWorkOn(1, w)).as("queued on slot 1 while running on slot 0").isTrue();
      assertThat(wq.queueWorkOn(0, w)).as("already pending").isFalse();
      assertThat(wq.queueWorkOn(1, w)).as("already pending").isFalse();
      // an item queued on slot 1 after w has run: had w been put on slot 1's worklist rather
      // than behind its running instance, it would have started first
      awaitMarkersOnEverySlot(wq);
      assertThat(w.runs).as("the second instance waits for the first").hasValue(1);
      assertThat(w.busy()).containsExactlyInAnyOrder(WorkBusy.PENDING, WorkBusy.RUNNING);
    } finally {
      release.countDown();
    }
    wq.flushAsync().get(10, SECONDS);
    assertThat(w.runs).hasValue(2);
    assertThat(w.maxRunning).as("never concurrent with itself").hasValue(1);
    assertThat(w.events).containsExactly("start1", "end1", "start2", "end2");
    assertThat(firstThread.get()).startsWith("kworker/0:");
    assertThat(secondThread.get()).startsWith("kworker/");
  }

  @Test
  void queueingFromTwoCpuSlotsConcurrentlyNeverOverlaps() throws Exception {
    WorkqueueRuntime rt = runtime(2);
    Workqueue wq = Workqueue.builder("qw-two-slots-race").runtime(rt).build();
    AtomicInteger selfQueued = new AtomicInteger();
    AtomicReference<Probe> self = new AtomicReference<>();
    Probe w =
        new Probe(
            n -> {
              // widen the window in which another slot's queueing meets a running instance
              for (int i = 0; i < 200; i++) {
                Thread.onSpinWait();
              }
              if (n % 7 == 0 && wq.queueWorkOn((n / 7) % 2, self.get())) {
                selfQueued.incrementAndGet();
              }
            });
    self.set(w);
    int targetRuns = 1_000;
    CyclicBarrier start = new CyclicBarrier(2);
    AtomicInteger queued = new AtomicInteger();
    AtomicBoolean giveUp = new AtomicBoolean();
    List<CompletableFuture<Void>> producers = new ArrayList<>();
    for (int cpu = 0; cpu < 2; cpu++) {
      int slot = cpu;
      producers.add(
          CompletableFuture.runAsync(
              () -> {
                try {
                  start.await(10, SECONDS);
                } catch (Exception e) {
                  throw new AssertionError(e);
                }
                // keep the item busy until it has run often enough, each producer on its slot
                while (w.runs.get() < targetRuns && !giveUp.get()) {
                  if (wq.queueWorkOn(slot, w)) {
                    queued.incrementAndGet();
                  }
                }
              },
              r -> {
                Thread t = new Thread(r, "producer-" + slot);
                t.setDaemon(true);
                t.start();
              }));
    }
    try {
      CompletableFuture.allOf(producers.toArray(new CompletableFuture<?>[0])).get(20, SECONDS);
    } finally {
      giveUp.set(true);
    }
    // items queued from inside may chain: flush until the item is idle
    for (int i = 0; i < 100 && (w.isPending() || !w.busy().isEmpty()); i++) {
      within(w::flush);
    }
    wq.flushAsync().get(10, SECONDS);
    assertThat(w.busy()).isEmpty();
    assertThat(w.maxRunning).as("never concurrent with itself").hasValue(1);
    assertThat(w.runs.get())
        .as("each successful queueing ran exactly once")
        .isEqualTo(queued.get() + selfQueued.get());
    assertThat(wq.stats().started()).isEqualTo(w.runs.get());
  }

  @Test
  void selfRequeueOntoTheOtherCpuSlotChainsWithoutOverlap() throws Exception {
    WorkqueueRuntime rt = runtime(2);
    Workqueue wq = Workqueue.builder("qw-self-other-slot").runtime(rt).build();
    int chain = 200;
    CountDownLatch done = new CountDownLatch(1);
    AtomicReference<Probe> self = new AtomicReference<>();
    AtomicInteger falseReturns = new AtomicInteger();
    Probe w =
        new Probe(
            n -> {
              if (n < chain) {
                if (!wq.queueWorkOn(n % 2, self.get())) {
                  falseReturns.incrementAndGet();
                }
              } else {
                done.countDown();
              }
            });
    self.set(w);
    assertThat(wq.queueWorkOn(0, w)).isTrue();
    assertThat(done.await(10, SECONDS)).isTrue();
    wq.flushAsync().get(10, SECONDS);
    assertThat(falseReturns).as("a running item queueing itself always succeeds").hasValue(0);
    assertThat(w.runs).hasValue(chain);
    assertThat(w.maxRunning).hasValue(1);
  }

  /** A plain (non-volatile) field written by the queueing thread and read by the item. */
  static final class Holder {
    int value;
  }

  @Test
  void writesBeforeQueueWorkAreVisibleToTheRun() throws Exception {
    WorkqueueRuntime rt = runtime(2);
    Workqueue wq = Workqueue.builder("qw-visibility").unbound().runtime(rt).build();
    int n = 2_000;
    AtomicInteger wrong = new AtomicInteger();
    CountDownLatch all = new CountDownLatch(n);
    for (int i = 1; i <= n; i++) {
      int expected = i;
      Holder h = new Holder();
      Work w =
          Work.of(
              () -> {
                if (h.value != expected) {
                  wrong.incrementAndGet();
                }
                all.countDown();
              });
      h.value = expected; // plain write, published only by queueWork
      assertThat(wq.queueWork(w)).isTrue();
    }
    assertThat(all.await(10, SECONDS)).isTrue();
    assertThat(wrong).as("runs that missed the queuer's write").hasValue(0);
  }

  @Test
  void writesBeforeAFalseQueueWorkOnAPendingItemAreVisibleToTheRun() throws Exception {
    WorkqueueRuntime rt = runtime(2);
    Workqueue wq = Workqueue.builder("qw-visibility-pending").ordered().runtime(rt).build();
    CountDownLatch blockerRuns = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Work blocker =
        Work.of(
            () -> {
              blockerRuns.countDown();
              block(release);
            });
    Holder h = new Holder();
    AtomicInteger seen = new AtomicInteger(-1);
    Work w = Work.of(() -> seen.set(h.value));
    try {
      assertThat(wq.queueWork(blocker)).isTrue();
      assertThat(blockerRuns.await(10, SECONDS)).isTrue();
      h.value = 1;
      assertThat(wq.queueWork(w)).isTrue();
      h.value = 2;
      assertThat(wq.queueWork(w)).as("pending, not started").isFalse();
    } finally {
      release.countDown();
    }
    wq.flushAsync().get(10, SECONDS);
    assertThat(seen).as("the run sees the write made before the false queueWork").hasValue(2);
  }

  @Test
  void busyIsEmptyForAnIdleItemAndAfterItRan() throws Exception {
    WorkqueueRuntime rt = runtime(2);
    Workqueue wq = Workqueue.builder("qw-busy").runtime(rt).build();
    AtomicReference<java.util.Set<WorkBusy>> inside = new AtomicReference<>();
    AtomicReference<Boolean> pendingInside = new AtomicReference<>();
    AtomicReference<Work> self = new AtomicReference<>();
    Work w =
        Work.of(
            () -> {
              inside.set(self.get().busy());
              pendingInside.set(self.get().isPending());
            });
    self.set(w);
    assertThat(w.busy()).isEmpty();
    assertThat(w.isPending()).isFalse();
    assertThat(wq.queueWork(w)).isTrue();
    wq.flushAsync().get(10, SECONDS);
    assertThat(inside.get()).as("busy() seen by the item itself").containsExactly(WorkBusy.RUNNING);
    assertThat(pendingInside.get()).isFalse();
    assertThat(w.busy()).isEmpty();
    assertThat(w.isPending()).isFalse();
  }

  @Test
  void currentWorkIsTheRunningItemInsideAndNullOutside() throws Exception {
    WorkqueueRuntime rt = runtime(2);
    Workqueue bound = Workqueue.builder("qw-current").runtime(rt).build();
    Workqueue unbound = Workqueue.builder("qw-current-u").unbound().runtime(rt).build();
    AtomicReference<Work> seenA = new AtomicReference<>();
    AtomicReference<Work> seenB = new AtomicReference<>();
    AtomicReference<Work> seenAfterNested = new AtomicReference<>();
    Work[] items = new Work[2];
    items[0] = Work.of(() -> seenA.set(Workqueues.currentWork()));
    items[1] =
        Work.of(
            () -> {
              seenB.set(Workqueues.currentWork());
              // queueing another item does not change what this worker runs
              unbound.queueWork(items[0]);
              seenAfterNested.set(Workqueues.currentWork());
            });

    assertThat(Workqueues.currentWork()).as("on the test thread").isNull();
    assertThat(bound.queueWork(items[1])).isTrue();
    bound.flushAsync().get(10, SECONDS);
    unbound.flushAsync().get(10, SECONDS);
    assertThat(seenB.get()).isSameAs(items[1]);
    assertThat(seenAfterNested.get()).isSameAs(items[1]);
    assertThat(seenA.get()).isSameAs(items[0]);
    assertThat(Workqueues.currentWork()).isNull();
    assertThat(within(Workqueues::currentWork)).as("on another non-worker thread").isNull();
  }

  @Test
  void anItemThatThrowsIsReportedAndTheWorkerLivesOn() throws Exception {
    expectFailures = true;
    WorkqueueRuntime rt = runtime(1);
    Workqueue wq = Workqueue.builder("qw-throws").runtime(rt).build();
    IllegalStateException boom = new IllegalStateException("boom from a work item");
    AssertionError error = new AssertionError("an Error from a work item");
    AtomicReference<Thread> thrower = new AtomicReference<>();
    Work bad =
        Work.of(
            () -> {
              thrower.set(Thread.currentThread());
              throw boom;
            });
    Work worse = Work.of(() -> {
      throw error;
    });
    AtomicReference<String> goodThread = new AtomicReference<>();
    AtomicReference<Work> goodCurrent = new AtomicReference<>();
    Work good =
        Work.of(
            () -> {
              goodThread.set(Thread.currentThread().getName());
              goodCurrent.set(Workqueues.currentWork());
            });

    assertThat(wq.queueWork(bad)).isTrue();
    wq.flushAsync().get(10, SECONDS);
    assertThat(failures).as("reported to the runtime's handler").containsExactly(boom);

    assertThat(wq.queueWork(worse)).isTrue();
    wq.flushAsync().get(10, SECONDS);
    assertThat(failures).containsExactly(boom, error);

    assertThat(wq.queueWork(good)).isTrue();
    wq.flushAsync().get(10, SECONDS);
    assertThat(goodThread.get()).as("a following item runs on a worker").startsWith("kworker/0:");
    assertThat(goodCurrent.get()).isSameAs(good);
    assertThat(thrower.get().isAlive()).as("the worker that ran the throwing item lives on").isTrue();

    WorkqueueStats s = wq.stats();
    assertThat(s.failed()).isEqualTo(2);
    assertThat(s.started()).isEqualTo(3);
    assertThat(s.completed()).as("a throwing item completes too").isEqualTo(3);
    assertThat(s.inFlight()).isZero();

    // the failed item is idle and queueable again
    assertThat(bad.busy()).isEmpty();
    assertThat(wq.queueWork(bad)).isTrue();
    wq.flushAsync().get(10, SECONDS);
    assertThat(failures).containsExactly(boom, error, boom);
    assertThat(wq.stats().failed()).isEqualTo(3);
  }
}
